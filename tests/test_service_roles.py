"""IamService role operations: create (trust policy checked and sized), get, list, update,
update-assume-role-policy, delete (DeleteConflict and the cascade), tags; operators, audit,
and role sessions acting with the role's policies.

Semantics from the IAM API reference: CreateRole, GetRole, ListRoles, UpdateRole,
UpdateAssumeRolePolicy, DeleteRole, TagRole, UntagRole, ListRoleTags
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html and siblings),
and the IAM User Guide's "IAM and AWS STS quotas" (role trust policy length 2,048
characters; white space not counted; MaxSessionDuration 1 to 12 hours).
"""

from __future__ import annotations

import pytest
from helpers import ACCOUNT_ID

from iamtui.arn import assumed_role_arn
from iamtui.errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    InvalidClientTokenId,
    LimitExceeded,
    MalformedPolicyDocument,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import PolicyAttachment, Role, Tag
from iamtui.service import IamService, Principal
from iamtui.service.principals import role_policies
from iamtui.service.tables import ATTACHMENTS, INLINE_POLICIES, ROLES

TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
LIST_USERS = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers",'
              '"Resource":"*"}]}')


def trust_for(principals: list[str]) -> str:
    """A trust policy naming `principals` (AWS account ARNs), padded to any size."""
    quoted = ",".join(f'"{p}"' for p in principals)
    return ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":['
            f'{quoted}]}},"Action":"sts:AssumeRole"}}]}}')


def session_of(role: Role, name: str = "s1") -> Principal:
    """A role session as AssumeRole would produce it (IAM User Guide, "IAM identifiers":
    assumed-role ARN, principal ID ROLEID:SESSION)."""
    return Principal("assumed-role", ACCOUNT_ID, assumed_role_arn(ACCOUNT_ID, role.role_name,
                                                                  name),
                     role.role_name, f"{role.role_id}:{name}", session_name=name)


def test_create_get_list_role(service: IamService, root: Principal) -> None:
    """CreateRole stores the trust policy, description, duration and tags; the role has an
    AROA ID and a role ARN with its path (API reference: CreateRole, GetRole, ListRoles)."""
    role = service.create_role(root, "Web", TRUST, path="/app/", description="web servers",
                               max_session_duration=7200, tags=[Tag("team", "red")])
    assert role.arn == f"arn:aws:iam::{ACCOUNT_ID}:role/app/Web"
    assert role.role_id.startswith("AROA") and len(role.role_id) == 21
    assert (role.description, role.max_session_duration) == ("web servers", 7200)
    assert role.assume_role_policy_document == TRUST
    assert service.get_role(root, "web") == role
    service.create_role(root, "batch", TRUST)
    assert [r.role_name for r in service.list_roles(root)] == ["batch", "Web"]
    assert [r.role_name for r in service.list_roles(root, path_prefix="/app/")] == ["Web"]
    assert service.get_role(root, "batch").max_session_duration == 3600  # the default


def test_role_names_are_unique_regardless_of_case(service: IamService, root: Principal) -> None:
    """IAM names are unique ignoring case (IAM User Guide, "IAM identifiers")."""
    service.create_role(root, "Web", TRUST)
    with pytest.raises(EntityAlreadyExists, match="Role with name WEB already exists"):
        service.create_role(root, "WEB", TRUST)
    assert ROLES.count(service.store.snapshot()) == 1


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"role_name": "bad name"}, "roleName"),
    ({"role_name": "x" * 65}, "roleName"),
    ({"max_session_duration": 3599}, "maxSessionDuration"),
    ({"max_session_duration": 43201}, "maxSessionDuration"),
    ({"path": "no-slash"}, "path"),
])
def test_bad_input_is_a_validation_error(service: IamService, root: Principal,
                                         kwargs: dict[str, object], field: str) -> None:
    """RoleName 1-64 of [\\w+=,.@-]; MaxSessionDuration 3,600-43,200; Path '/' or /.../
    (API reference: CreateRole request parameters)."""
    args: dict[str, object] = {"role_name": "web", "assume_role_policy_document": TRUST}
    args |= kwargs
    with pytest.raises(ValidationError, match=field):
        service.create_role(root, **args)  # type: ignore[arg-type]
    assert ROLES.count(service.store.snapshot()) == 0


@pytest.mark.parametrize(("document", "why"), [
    ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}',
     "Principal"),
    ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
     '"Action":"sts:AssumeRole","Resource":"*"}]}', "Resource"),
    ('{"Version":"2012-10-17",\n"Statement":[{"Effect":"Allow",}]}', "line 2"),
])
def test_malformed_trust_policy(service: IamService, root: Principal, document: str,
                                why: str) -> None:
    """A trust policy names a Principal and no Resource (IAM User Guide, "IAM JSON policy
    elements: Principal"); errors carry the position and are audited."""
    with pytest.raises(MalformedPolicyDocument, match=why) as error:
        service.create_role(root, "web", document)
    assert "line" in error.value.message
    assert ROLES.count(service.store.snapshot()) == 0
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("CreateRole",
                                                      "MalformedPolicyDocument")


def test_trust_policy_size_quota(service: IamService, root: Principal) -> None:
    """Role trust policy length: 2,048 characters, white space not counted (IAM and AWS STS
    quotas); over it is LimitExceeded, for CreateRole and UpdateAssumeRolePolicy."""
    accounts = [f"arn:aws:iam::{n:012d}:root" for n in range(80)]
    big = trust_for(accounts)
    assert len("".join(big.split())) > 2048
    with pytest.raises(LimitExceeded, match="ACLSizePerRole: 2048"):
        service.create_role(root, "web", big)
    fits = trust_for(accounts[:30])
    padded = fits.replace(",", "," + " " * 50)  # white space does not count
    assert len(padded) > 2048 >= len("".join(padded.split()))
    service.create_role(root, "web", padded)
    with pytest.raises(LimitExceeded):
        service.update_assume_role_policy(root, "web", big)
    assert service.get_role(root, "web").assume_role_policy_document == padded


def test_update_role_and_trust_policy(service: IamService, root: Principal) -> None:
    """UpdateRole changes the description and MaxSessionDuration; UpdateAssumeRolePolicy
    replaces the trust policy (API reference: UpdateRole, UpdateAssumeRolePolicy)."""
    service.create_role(root, "web", TRUST, description="old")
    service.update_role(root, "WEB", max_session_duration=43200)
    role = service.get_role(root, "web")
    assert (role.description, role.max_session_duration) == ("old", 43200)
    service.update_role(root, "web", description="new")
    assert service.get_role(root, "web").max_session_duration == 43200
    with pytest.raises(ValidationError, match="maxSessionDuration"):
        service.update_role(root, "web", max_session_duration=60)
    new_trust = trust_for([f"arn:aws:iam::{ACCOUNT_ID}:root"])
    service.update_assume_role_policy(root, "web", new_trust)
    role = service.get_role(root, "web")
    assert (role.description, role.assume_role_policy_document) == ("new", new_trust)
    with pytest.raises(MalformedPolicyDocument):
        service.update_assume_role_policy(root, "web", "{}")
    assert service.get_role(root, "web").assume_role_policy_document == new_trust
    with pytest.raises(NoSuchEntity, match="The role with name nope cannot be found"):
        service.update_role(root, "nope", description="x")


@pytest.mark.parametrize("setup", ["inline", "attached"])
def test_delete_conflict_then_cascade(service: IamService, root: Principal,
                                      setup: str) -> None:
    """DeleteRole fails with DeleteConflict while the role has inline or attached
    policies (API reference: DeleteRole); the cascade removes them first."""
    service.create_role(root, "web", TRUST)
    if setup == "inline":
        service.put_role_policy(root, "web", "list", LIST_USERS)
        what = "delete policies"
    else:
        with service.store.transaction() as tx:
            ATTACHMENTS.put(tx, PolicyAttachment("arn:aws:iam::aws:policy/ReadOnlyAccess",
                                                 "role", "web"))
        what = "detach all policies"
    with pytest.raises(DeleteConflict, match=f"must {what} first"):
        service.delete_role(root, "web")
    assert service.get_role(root, "web")
    service.delete_role(root, "web", cascade=True)
    view = service.store.snapshot()
    assert ROLES.count(view) == INLINE_POLICIES.count(view) == ATTACHMENTS.count(view) == 0


def test_role_tags(service: IamService, root: Principal) -> None:
    """TagRole overwrites a key given again (keys ignore case); UntagRole removes by key;
    at most 50 tags (API reference: TagRole; "IAM and AWS STS quotas")."""
    service.create_role(root, "web", TRUST, tags=[Tag("team", "red")])
    service.tag_role(root, "web", [Tag("TEAM", "blue"), Tag("env", "prod")])
    assert {(t.key, t.value) for t in service.list_role_tags(root, "web")} == {
        ("TEAM", "blue"), ("env", "prod")}
    service.untag_role(root, "web", ["team"])
    assert [t.key for t in service.list_role_tags(root, "web")] == ["env"]
    with pytest.raises(LimitExceeded):
        service.tag_role(root, "web", [Tag(f"k{i}", "v") for i in range(50)])
    assert [t.key for t in service.list_role_tags(root, "web")] == ["env"]


def test_resource_tag_condition_on_roles(service: IamService, root: Principal) -> None:
    """aws:ResourceTag/<key> applies to role operations (Service Authorization Reference,
    IAM: the role resource type's condition keys)."""
    service.create_role(root, "red", TRUST, tags=[Tag("team", "red")])
    service.create_role(root, "blue", TRUST, tags=[Tag("team", "blue")])
    alice_user = service.create_user(root, "alice")
    service.put_user_policy(root, "alice", "red-only", (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole",'
        '"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"red"}}}]}'))
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    assert service.get_role(alice, "red").role_name == "red"
    with pytest.raises(AccessDenied):
        service.get_role(alice, "blue")


def test_operator_denied_is_audited(service: IamService, root: Principal) -> None:
    """Implicit deny for a user without policies (IAM User Guide, "Policy evaluation
    logic"); the denial is audited and nothing is created."""
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="iam:CreateRole"):
        service.create_role(alice, "web", TRUST)
    assert ROLES.count(service.store.snapshot()) == 0
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("CreateRole", "AccessDenied")


def test_permissions_boundary_condition_on_create_role(service: IamService,
                                                       root: Principal) -> None:
    """iam:PermissionsBoundary lets an administrator allow CreateRole only with a given
    boundary (IAM User Guide, "Permissions boundaries for IAM entities": delegating
    responsibility); the boundary must be an existing managed policy."""
    alice_user = service.create_user(root, "alice")
    boundary = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    service.put_user_policy(root, "alice", "delegate", (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateRole",'
        '"Resource":"*","Condition":{"StringEquals":{"iam:PermissionsBoundary":'
        f'"{boundary}"}}}}}}]}}'))
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    with pytest.raises(AccessDenied):
        service.create_role(alice, "free", TRUST)
    role = service.create_role(alice, "bounded", TRUST, permissions_boundary=boundary)
    assert role.permissions_boundary == boundary
    with pytest.raises(NoSuchEntity, match="does not exist or is not attachable"):
        service.create_role(root, "x", TRUST,
                            permissions_boundary=f"arn:aws:iam::{ACCOUNT_ID}:policy/missing")


def test_role_session_acts_with_put_role_policy(service: IamService, root: Principal) -> None:
    """A role session's permissions are the role's identity-based policies, within its
    boundary (IAM User Guide, "Policy evaluation logic"; "Permissions boundaries"):
    PutRolePolicy grants, DeleteRolePolicy takes away, a boundary limits."""
    role = service.create_role(root, "web", TRUST)
    session = session_of(role)
    with pytest.raises(AccessDenied):
        service.list_users(session)
    service.put_role_policy(root, "web", "list", LIST_USERS)
    assert service.list_users(session) == []
    view = service.store.snapshot()
    assert [p.source_id for p in role_policies(view, role).identity] == ["list"]
    # a boundary without iam:ListUsers takes it away again
    service.put_role_permissions_boundary(root, "web", "arn:aws:iam::aws:policy/"
                                          "AmazonS3ReadOnlyAccess")
    with pytest.raises(AccessDenied):
        service.list_users(session)
    service.delete_role_permissions_boundary(root, "web")
    assert service.list_users(session) == []
    service.delete_role_policy(root, "web", "list")
    with pytest.raises(AccessDenied):
        service.list_users(session)


def test_sessions_of_a_deleted_role_stop_working(service: IamService, root: Principal) -> None:
    role = service.create_role(root, "web", TRUST)
    service.put_role_policy(root, "web", "list", LIST_USERS)
    session = session_of(role)
    service.delete_role(root, "web", cascade=True)
    with pytest.raises(InvalidClientTokenId):
        service.list_users(session)


def test_cascade_detach_is_authorized_with_the_policy_arn(service: IamService,
                                                          root: Principal) -> None:
    """A role's cascade detaches each managed policy as DetachRolePolicy with iam:PolicyARN
    (Service Authorization Reference, IAM): a caller who may detach only one policy cannot
    delete a role holding another."""
    service.create_role(root, "web", TRUST)
    with service.store.transaction() as tx:
        ATTACHMENTS.put(tx, PolicyAttachment("arn:aws:iam::aws:policy/AdministratorAccess",
                                             "role", "web"))
    alice_user = service.create_user(root, "alice")
    service.put_user_policy(root, "alice", "ops", (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:DeleteRole",'
        '"Resource":"*"},{"Effect":"Allow","Action":"iam:DetachRolePolicy","Resource":"*",'
        '"Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/ReadOnlyAccess"'
        '}}}]}'))
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="iam:DetachRolePolicy"):
        service.delete_role(alice, "web", cascade=True)
    assert ATTACHMENTS.count(service.store.snapshot()) == 1
    with service.store.transaction() as tx:
        ATTACHMENTS.delete(tx, ATTACHMENTS.key(PolicyAttachment(
            "arn:aws:iam::aws:policy/AdministratorAccess", "role", "web")))
        ATTACHMENTS.put(tx, PolicyAttachment("arn:aws:iam::aws:policy/ReadOnlyAccess",
                                             "role", "web"))
    service.delete_role(alice, "web", cascade=True)
    assert ROLES.count(service.store.snapshot()) == 0
