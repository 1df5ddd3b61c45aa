"""IamService access keys: CreateAccessKey, UpdateAccessKey, DeleteAccessKey, ListAccessKeys,
GetAccessKeyLastUsed, and authenticating callers by key pair.

Semantics from the IAM API Reference (those five operations and the AccessKeyLastUsed data
type), the IAM User Guide ("Manage access keys for IAM users", "IAM and AWS STS quotas",
"IAM identifiers") and the AWS CLI return codes / error codes for bad credentials
(InvalidClientTokenId, SignatureDoesNotMatch).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, FakeClock

from iamtui.errors import (
    AccessDenied,
    DeleteConflict,
    InvalidClientTokenId,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import InlinePolicy, aws_access_key_last_used
from iamtui.security.access_keys import verify_secret
from iamtui.service import IamService, Principal
from iamtui.service.access_keys import (
    LAST_USED_REGION,
    LAST_USED_SERVICE,
    ROOT_KEY_OWNER,
    SignatureDoesNotMatch,
)
from iamtui.service.tables import ACCESS_KEYS, INLINE_POLICIES

KEY_ID_RE = re.compile(r"AKIA[A-Z2-7]{16}")
SECRET_RE = re.compile(r"[A-Za-z0-9+/]{40}")

# The IAM User Guide's example policy "allows IAM users to rotate their own access keys"
# (Resource limited to the caller's own user through ${aws:username}).
OWN_KEYS_POLICY = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys",
             "iam:UpdateAccessKey", "iam:GetAccessKeyLastUsed"],
  "Resource": "arn:aws:iam::*:user/${aws:username}"}]}"""
LIST_USERS_POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                     '"Action":"iam:ListUsers","Resource":"*"}]}')


def not_found(key_id: str) -> str:
    """AWS's NoSuchEntity message for a missing access key, as a `match=` pattern."""
    return re.escape(f"The Access Key with id {key_id} cannot be found.")


def give_inline_policy(service: IamService, user: str, name: str, document: str) -> None:
    with service.store.transaction() as tx:
        INLINE_POLICIES.put(tx, InlinePolicy("user", user, name, document))


def store_files_bytes(service: IamService) -> bytes:
    """Every byte of every file beside the store: the entities, journal and audit log."""
    folder = Path(service.store.path).parent
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


def test_new_key_has_aws_format_and_is_active(service: IamService, root: Principal,
                                              clock: FakeClock) -> None:
    """CreateAccessKey: an AKIA ID of 16 base32 characters (IAM identifiers), a
    40-character secret, status Active by default (CreateAccessKey)."""
    service.create_user(root, "alice")
    created = service.create_access_key(root, "alice")
    assert KEY_ID_RE.fullmatch(created.key.access_key_id)
    assert SECRET_RE.fullmatch(created.secret_access_key)
    assert (created.key.user_name, created.key.status) == ("alice", "Active")
    assert created.key.create_date == clock.now
    assert created.secret_access_key not in repr(created)


def test_secret_is_returned_once_and_never_stored_or_logged(service: IamService,
                                                            root: Principal) -> None:
    """The secret is available only when the key is created (CreateAccessKey, "Important");
    the store keeps a digest, the audit log never the secret."""
    service.create_user(root, "alice")
    created = service.create_access_key(root, "alice")
    secret = created.secret_access_key
    service.authenticate_access_key(created.key.access_key_id, secret)
    with pytest.raises(SignatureDoesNotMatch):  # a failed attempt is audited too
        service.authenticate_access_key(created.key.access_key_id, secret[:-1] + "A"
                                        if secret[-1] != "A" else secret[:-1] + "B")
    stored = ACCESS_KEYS.get(service.store.snapshot(), created.key.access_key_id)
    assert stored is not None and verify_secret(stored.secret_digest, secret)
    assert secret not in stored.secret_digest
    raw = store_files_bytes(service)
    assert created.key.access_key_id.encode() in raw  # the files were really read
    assert secret.encode() not in raw
    assert b"CreateAccessKey" in Path(str(service.store.path) + ".audit.jsonl").read_bytes()
    assert secret not in repr(service.list_access_keys(root, "alice"))
    event = next(e for e in service.audit.page(0, 20) if e["eventName"] == "CreateAccessKey")
    assert event["responseElements"]["accessKey"]["accessKeyId"] == created.key.access_key_id
    assert "secretAccessKey" not in event["responseElements"]["accessKey"]


def test_two_keys_per_user_quota(service: IamService, root: Principal) -> None:
    """IAM and AWS STS quotas: access keys per user, 2; CreateAccessKey's LimitExceeded."""
    service.create_user(root, "alice")
    service.create_access_key(root, "alice")
    service.create_access_key(root, "alice")
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for AccessKeysPerUser: 2$"):
        service.create_access_key(root, "alice")
    assert len(service.list_access_keys(root, "alice")) == 2
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("CreateAccessKey", "LimitExceeded")
    service.create_user(root, "bob")  # the quota is per user
    assert service.create_access_key(root, "bob").key.user_name == "bob"


def test_missing_user_and_bad_names(service: IamService, root: Principal) -> None:
    with pytest.raises(NoSuchEntity, match=r"The user with name nobody cannot be found\."):
        service.create_access_key(root, "nobody")
    with pytest.raises(ValidationError, match="userName"):
        service.create_access_key(root, "bad name")
    assert ACCESS_KEYS.count(service.store.snapshot()) == 0


def test_inactive_key_is_refused_until_activated(service: IamService, root: Principal) -> None:
    """UpdateAccessKey: an Inactive key cannot be used for API calls; Active again works."""
    service.create_user(root, "alice")
    created = service.create_access_key(root, "alice")
    key_id, secret = created.key.access_key_id, created.secret_access_key
    assert service.update_access_key(root, key_id, "Inactive", "alice").status == "Inactive"
    with pytest.raises(InvalidClientTokenId,
                       match=r"^The security token included in the request is invalid\.$"):
        service.authenticate_access_key(key_id, secret)
    service.update_access_key(root, key_id, "Active", "alice")
    assert service.authenticate_access_key(key_id, secret).name == "alice"


def test_update_refuses_bad_status_and_foreign_keys(service: IamService, root: Principal) -> None:
    """UpdateAccessKey: Status is the enum Active|Inactive; a key of another user is
    NoSuchEntity ("The Access Key with id ... cannot be found.")."""
    service.create_user(root, "alice")
    service.create_user(root, "bob")
    key_id = service.create_access_key(root, "alice").key.access_key_id
    with pytest.raises(ValidationError, match=r"enum value set: \[Active, Inactive\]"):
        service.update_access_key(root, key_id, "Disabled", "alice")
    with pytest.raises(NoSuchEntity, match=not_found(key_id)):
        service.update_access_key(root, key_id, "Inactive", "bob")
    with pytest.raises(ValidationError, match="accessKeyId"):
        service.update_access_key(root, "short", "Inactive", "alice")
    assert service.list_access_keys(root, "alice")[0].status == "Active"


def test_wrong_secret_and_unknown_key_are_refused(service: IamService, root: Principal) -> None:
    """A wrong secret: SignatureDoesNotMatch; an unknown key ID: InvalidClientTokenId."""
    service.create_user(root, "alice")
    created = service.create_access_key(root, "alice")
    wrong = "x" * 40
    with pytest.raises(SignatureDoesNotMatch) as err:
        service.authenticate_access_key(created.key.access_key_id, wrong)
    assert err.value.code == "SignatureDoesNotMatch"
    last = service.audit.page(0, 1)[0]
    assert last["errorCode"] == "SignatureDoesNotMatch"
    assert last["userIdentity"]["accessKeyId"] == created.key.access_key_id
    with pytest.raises(InvalidClientTokenId):
        service.authenticate_access_key("AKIA" + "A" * 16, created.secret_access_key)
    with pytest.raises(InvalidClientTokenId):
        service.authenticate_access_key("not a key", created.secret_access_key)
    # a failed attempt records no use
    assert service.get_access_key_last_used(root, created.key.access_key_id).last_used_date \
        is None


def test_deleted_key_is_refused(service: IamService, root: Principal) -> None:
    """DeleteAccessKey: the pair stops working; deleting it again is NoSuchEntity."""
    service.create_user(root, "alice")
    created = service.create_access_key(root, "alice")
    key_id = created.key.access_key_id
    service.delete_access_key(root, key_id, "alice")
    with pytest.raises(InvalidClientTokenId):
        service.authenticate_access_key(key_id, created.secret_access_key)
    with pytest.raises(NoSuchEntity, match=not_found(key_id)):
        service.delete_access_key(root, key_id, "alice")
    assert service.list_access_keys(root, "alice") == []


def test_last_used_is_recorded(service: IamService, root: Principal, clock: FakeClock) -> None:
    """GetAccessKeyLastUsed: "N/A" service and region and no date before any use; then the
    date, the service and the region of the last use (AccessKeyLastUsed data type)."""
    service.create_user(root, "alice")
    created = service.create_access_key(root, "alice")
    key_id = created.key.access_key_id
    unused = service.get_access_key_last_used(root, key_id)
    assert aws_access_key_last_used(unused) == {
        "UserName": "alice", "AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"}}
    clock.advance(hours=1)
    service.authenticate_access_key(key_id, created.secret_access_key)
    used = service.get_access_key_last_used(root, key_id)
    assert (used.last_used_date, used.last_used_service, used.last_used_region) == (
        clock.now, LAST_USED_SERVICE, LAST_USED_REGION)
    first = clock.now
    clock.advance(seconds=10)  # within the minute: no write
    service.authenticate_access_key(key_id, created.secret_access_key)
    assert service.get_access_key_last_used(root, key_id).last_used_date == first
    clock.advance(minutes=5)
    service.authenticate_access_key(key_id, created.secret_access_key)
    assert service.get_access_key_last_used(root, key_id).last_used_date == clock.now


def test_user_with_key_acts_with_its_own_policies(service: IamService, root: Principal) -> None:
    """The principal behind a key is its user, authorized by that user's policies only
    (IAM User Guide, "Policy evaluation logic": implicit deny without an allow)."""
    service.create_user(root, "alice")
    created = service.create_access_key(root, "alice")
    alice = service.authenticate_access_key(created.key.access_key_id,
                                            created.secret_access_key)
    assert (alice.kind, alice.name, alice.access_key_id) == (
        "user", "alice", created.key.access_key_id)
    with pytest.raises(AccessDenied, match="iam:ListUsers"):
        service.list_users(alice)
    denied = service.audit.page(0, 1)[0]
    assert denied["userIdentity"]["accessKeyId"] == created.key.access_key_id
    give_inline_policy(service, "alice", "list", LIST_USERS_POLICY)
    assert [u.user_name for u in service.list_users(alice)] == ["alice"]
    with pytest.raises(AccessDenied):
        service.create_user(alice, "mallory")


def test_users_manage_their_own_keys_with_the_rotation_policy(
        service: IamService, root: Principal, clock: FakeClock) -> None:
    """The User Guide's "rotate their own access keys" policy: alice may create, list,
    deactivate and delete her own keys (no UserName: the caller's), not bob's."""
    service.create_user(root, "alice")
    service.create_user(root, "bob")
    give_inline_policy(service, "alice", "own-keys", OWN_KEYS_POLICY)
    first = service.create_access_key(root, "alice")
    alice = service.authenticate_access_key(first.key.access_key_id, first.secret_access_key)
    clock.advance(minutes=1)
    second = service.create_access_key(alice)
    assert second.key.user_name == "alice"
    assert [k.access_key_id for k in service.list_access_keys(alice)] == [
        first.key.access_key_id, second.key.access_key_id]
    # rotation as the User Guide describes it: switch to the new key, then retire the old
    alice = service.authenticate_access_key(second.key.access_key_id, second.secret_access_key)
    service.update_access_key(alice, first.key.access_key_id, "Inactive")
    service.delete_access_key(alice, first.key.access_key_id)
    assert service.get_access_key_last_used(alice, second.key.access_key_id).user_name == "alice"
    with pytest.raises(AccessDenied, match="iam:CreateAccessKey"):
        service.create_access_key(alice, "bob")
    with pytest.raises(AccessDenied, match="iam:ListAccessKeys"):
        service.list_access_keys(alice, "bob")
    assert service.list_access_keys(root, "bob") == []


def test_root_keys(service: IamService, root: Principal) -> None:
    """CreateAccessKey without UserName by the root user creates the root user's own keys
    (the API reference: the operation "works for access keys under the AWS account")."""
    created = service.create_access_key(root)
    assert created.key.user_name == ROOT_KEY_OWNER
    assert [k.access_key_id for k in service.list_access_keys(root)] == [
        created.key.access_key_id]
    principal = service.authenticate_access_key(created.key.access_key_id,
                                                created.secret_access_key)
    assert principal.is_root and principal.access_key_id == created.key.access_key_id
    assert principal.arn == f"arn:aws:iam::{ACCOUNT_ID}:root"
    service.create_user(root, "alice")
    assert service.list_access_keys(root, "alice") == []


def test_deleting_a_user_with_keys_conflicts(service: IamService, root: Principal) -> None:
    """DeleteUser: "you must delete the items attached to the user ... access keys"."""
    service.create_user(root, "alice")
    created = service.create_access_key(root, "alice")
    with pytest.raises(DeleteConflict, match="delete access keys"):
        service.delete_user(root, "alice")
    service.delete_user(root, "alice", cascade=True)
    with pytest.raises(InvalidClientTokenId):
        service.authenticate_access_key(created.key.access_key_id, created.secret_access_key)


def test_renamed_user_keeps_its_keys(service: IamService, root: Principal) -> None:
    service.create_user(root, "alice")
    created = service.create_access_key(root, "alice")
    service.update_user(root, "alice", new_user_name="alicia")
    principal = service.authenticate_access_key(created.key.access_key_id,
                                                created.secret_access_key)
    assert principal.name == "alicia"
    assert [k.user_name for k in service.list_access_keys(root, "alicia")] == ["alicia"]


def test_attached_managed_policy_authorizes_the_key_user(service: IamService,
                                                         root: Principal) -> None:
    """AWS managed IAMReadOnlyAccess (iam:Get*, iam:List*, iam:GenerateCredentialReport...)
    attached to the key's user lets it list anyone's keys and read their last use, but not
    create keys (IAM User Guide, "AWS managed policies")."""
    from iamtui.model import PolicyAttachment
    from iamtui.service.tables import ATTACHMENTS

    service.create_user(root, "auditor")
    service.create_user(root, "bob")
    bob_key = service.create_access_key(root, "bob").key
    with service.store.transaction() as tx:
        ATTACHMENTS.put(tx, PolicyAttachment("arn:aws:iam::aws:policy/IAMReadOnlyAccess",
                                             "user", "auditor"))
    created = service.create_access_key(root, "auditor")
    auditor = service.authenticate_access_key(created.key.access_key_id,
                                              created.secret_access_key)
    assert [k.access_key_id for k in service.list_access_keys(auditor, "bob")] == [
        bob_key.access_key_id]
    assert service.get_access_key_last_used(auditor, bob_key.access_key_id).user_name == "bob"
    with pytest.raises(AccessDenied, match="iam:CreateAccessKey"):
        service.create_access_key(auditor, "bob")
    with pytest.raises(AccessDenied, match="iam:UpdateAccessKey"):
        service.update_access_key(auditor, bob_key.access_key_id, "Inactive", "bob")
    assert service.list_access_keys(root, "bob")[0].status == "Active"


def test_principal_stops_working_when_its_key_does(service: IamService,
                                                   root: Principal) -> None:
    """A key deactivated or deleted after sign-in stops authorizing at the next operation
    (UpdateAccessKey: an inactive key "can't be used"; DeleteAccessKey)."""
    service.create_user(root, "alice")
    give_inline_policy(service, "alice", "list", LIST_USERS_POLICY)
    created = service.create_access_key(root, "alice")
    alice = service.authenticate_access_key(created.key.access_key_id,
                                            created.secret_access_key)
    assert service.list_users(alice)
    service.update_access_key(root, created.key.access_key_id, "Inactive", "alice")
    with pytest.raises(InvalidClientTokenId):
        service.list_users(alice)
    service.update_access_key(root, created.key.access_key_id, "Active", "alice")
    assert service.list_users(alice)
    service.delete_access_key(root, created.key.access_key_id, "alice")
    with pytest.raises(InvalidClientTokenId):
        service.list_users(alice)
    # principals built without a key (console sign-in) are not affected
    assert service.list_users(Principal.for_user(service.get_user(root, "alice"), ACCOUNT_ID))


@pytest.mark.parametrize("guess", ["t", "eventName", "", "A" * 40])
def test_any_wrong_secret_is_signature_does_not_match(service: IamService, root: Principal,
                                                      guess: str) -> None:
    """Whatever the wrong secret, the answer is SignatureDoesNotMatch and the audit record
    stays whole (a guess is never written, so it cannot mangle the event)."""
    service.create_user(root, "alice")
    key_id = service.create_access_key(root, "alice").key.access_key_id
    with pytest.raises(SignatureDoesNotMatch):
        service.authenticate_access_key(key_id, guess)
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("AuthenticateAccessKey",
                                                      "SignatureDoesNotMatch")
    assert service.audit.verify().ok


def test_role_sessions_must_name_the_user(service: IamService) -> None:
    """ListAccessKeys/CreateAccessKey: "If a temporary access key is used, then UserName is
    required" (IAM API Reference)."""
    session = Principal("assumed-role", ACCOUNT_ID,
                        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/ops/s1", "ops",
                        "AROAEXAMPLEEXAMPLE01:s1", access_key_id="ASIA" + "A" * 16,
                        session_name="s1")
    with pytest.raises(ValidationError, match="Must specify userName"):
        service.list_access_keys(session)
    with pytest.raises(ValidationError, match="Must specify userName"):
        service.create_access_key(session)
    assert ACCESS_KEYS.count(service.store.snapshot()) == 0
