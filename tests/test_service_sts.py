"""IamService role sessions: AssumeRole, GetCallerIdentity, session credentials, revocation.

Semantics from the STS API Reference (AssumeRole, GetCallerIdentity, the Credentials
and AssumedRoleUser data types), the IAM User Guide ("Policy evaluation logic",
"Cross-account policy evaluation logic", "Roles terms and concepts" on role chaining,
"Revoking IAM role temporary security credentials", "Configuring MFA-protected API
access") and "IAM identifiers" (ASIA temporary key IDs, AROA role IDs).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from helpers import ACCOUNT_ID, FakeClock

from iamtui.arn import new_unique_id, role_arn
from iamtui.errors import AccessDenied, InvalidClientTokenId, NoSuchEntity, ValidationError
from iamtui.model import InlinePolicy, Role, User, VirtualMfaDevice
from iamtui.security.mfa import code_at, new_seed, time_step
from iamtui.service import IamService, Principal
from iamtui.service.sts import REVOKE_POLICY_NAME, ExpiredToken
from iamtui.service.tables import INLINE_POLICIES, MFA_DEVICES, ROLE_SESSIONS, ROLES, USERS

ASIA_RE = re.compile(r"ASIA[A-Z2-7]{16}")
SERIAL = f"arn:aws:iam::{ACCOUNT_ID}:mfa/alice-phone"


def trust(principal: str, condition: dict | None = None) -> str:
    """A trust policy letting `principal` (an AWS principal ARN or account) assume the role."""
    statement: dict = {"Effect": "Allow", "Principal": {"AWS": principal},
                       "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def allow(action: str, resource: str = "*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource}]})


def make_role(service: IamService, name: str, trust_policy: str, *, max_session: int = 3600,
              boundary: str | None = None) -> Role:
    """A role written straight to the store (the roles family has its own tests)."""
    role = Role(name, new_unique_id("role"), role_arn(ACCOUNT_ID, "/", name),
                service.clock(), trust_policy, max_session_duration=max_session,
                permissions_boundary=boundary)
    with service.store.transaction() as tx:
        ROLES.put(tx, role)
    return role


def inline(service: IamService, kind: str, owner: str, name: str, document: str) -> None:
    with service.store.transaction() as tx:
        INLINE_POLICIES.put(tx, InlinePolicy(kind, owner, name, document))  # type: ignore[arg-type]


def user_principal(service: IamService, root: Principal, name: str) -> Principal:
    return Principal.for_user(service.create_user(root, name), ACCOUNT_ID)


def enable_mfa(service: IamService, user_name: str, clock: FakeClock) -> str:
    """An enabled virtual MFA device for `user_name`; returns its seed."""
    seed = new_seed()
    cipher = service.seed_cipher
    device = VirtualMfaDevice(SERIAL, cipher.encrypt(seed, associated_data=SERIAL),
                              enable_date=clock(), user_name=user_name)
    with service.store.transaction() as tx:
        MFA_DEVICES.put(tx, device)
    return seed


def current_code(seed: str, clock: FakeClock) -> str:
    return code_at(seed, time_step(clock()))


# ------------------------------------------------------------------ trust policy decisions


def test_trust_naming_the_user_allows_without_identity_policy(service: IamService,
                                                              root: Principal) -> None:
    """Same account: a trust policy naming the user's ARN suffices (Policy evaluation logic:
    a resource-based policy granting the principal ARN directly)."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn))
    result = service.assume_role(alice, role.arn, "alice-session")
    assert result.arn == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/Ops/alice-session"
    assert result.assumed_role_id == f"{role.role_id}:alice-session"


def test_trust_naming_only_the_account_needs_the_callers_identity_policy(
        service: IamService, root: Principal) -> None:
    """A trust policy naming the account root delegates to the account: the caller's own
    identity-based policies must allow sts:AssumeRole (IAM User Guide, roles terms)."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(f"arn:aws:iam::{ACCOUNT_ID}:root"))
    with pytest.raises(AccessDenied, match="is not authorized to perform: sts:AssumeRole"):
        service.assume_role(alice, role.arn, "s1")
    inline(service, "user", "alice", "assume", allow("sts:AssumeRole", role.arn))
    assert service.assume_role(alice, role.arn, "s1").principal.name == "Ops"


def test_identity_policy_alone_is_not_enough(service: IamService, root: Principal) -> None:
    """The trust policy must allow the caller too: an identity policy allowing
    sts:AssumeRole on a role whose trust policy names someone else is denied."""
    alice = user_principal(service, root, "alice")
    service.create_user(root, "bob")
    role = make_role(service, "Ops", trust(f"arn:aws:iam::{ACCOUNT_ID}:user/bob"))
    inline(service, "user", "alice", "assume", allow("sts:AssumeRole"))
    with pytest.raises(AccessDenied) as denied:
        service.assume_role(alice, role.arn, "s1")
    assert alice.arn in denied.value.message and role.arn in denied.value.message
    assert ROLE_SESSIONS.count(service.store.snapshot()) == 0
    event = service.audit.page(0, 1)[0]
    assert (event["eventSource"], event["eventName"], event["errorCode"]) == (
        "sts.amazonaws.com", "AssumeRole", "AccessDenied")


def test_missing_role_is_denied_like_a_forbidden_one(service: IamService,
                                                     root: Principal) -> None:
    """AssumeRole on a role that does not exist answers AccessDenied (no existence leak)."""
    alice = user_principal(service, root, "alice")
    inline(service, "user", "alice", "assume", allow("sts:AssumeRole"))
    with pytest.raises(AccessDenied):
        service.assume_role(alice, role_arn(ACCOUNT_ID, "/", "Nope"), "s1")


def test_root_cannot_assume_roles(service: IamService, root: Principal) -> None:
    """STS API Reference, AssumeRole: root user credentials cannot call AssumeRole."""
    role = make_role(service, "Ops", trust(f"arn:aws:iam::{ACCOUNT_ID}:root"))
    with pytest.raises(AccessDenied, match="Roles may not be assumed by root accounts"):
        service.assume_role(root, role.arn, "s1")


def test_explicit_deny_in_identity_policy_wins(service: IamService, root: Principal) -> None:
    """Explicit deny anywhere wins, even over a trust policy naming the caller."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn))
    inline(service, "user", "alice", "deny", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    with pytest.raises(AccessDenied, match="explicit deny"):
        service.assume_role(alice, role.arn, "s1")


def test_trust_condition_on_session_name(service: IamService, root: Principal) -> None:
    """sts:RoleSessionName is in the request context of AssumeRole (condition keys for STS)."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn, {
        "StringEquals": {"sts:RoleSessionName": "${aws:username}"}}))
    with pytest.raises(AccessDenied):
        service.assume_role(alice, role.arn, "someone-else")
    assert service.assume_role(alice, role.arn, "alice").principal.session_name == "alice"


# ------------------------------------------------------------------ MFA


MFA_REQUIRED = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_mfa_condition_not_met_without_a_code(service: IamService, root: Principal,
                                              clock: FakeClock) -> None:
    """Configuring MFA-protected API access: a trust policy requiring MFA refuses a caller
    whose request carries no MFA (long-term keys carry no aws:MultiFactorAuthPresent)."""
    alice = user_principal(service, root, "alice")
    enable_mfa(service, "alice", clock)
    role = make_role(service, "Ops", trust(alice.arn, MFA_REQUIRED))
    with pytest.raises(AccessDenied):
        service.assume_role(alice, role.arn, "s1")


def test_mfa_condition_met_with_a_valid_code(service: IamService, root: Principal,
                                             clock: FakeClock) -> None:
    """With SerialNumber and a valid TokenCode, aws:MultiFactorAuthPresent is true and the
    session remembers when MFA was proven (its aws:MultiFactorAuthAge counts from there)."""
    alice = user_principal(service, root, "alice")
    seed = enable_mfa(service, "alice", clock)
    role = make_role(service, "Ops", trust(alice.arn, {
        **MFA_REQUIRED, "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}))
    result = service.assume_role(alice, role.arn, "s1", serial_number=SERIAL,
                                 token_code=current_code(seed, clock))
    assert result.principal.mfa_authenticated_at == clock()
    stored = ROLE_SESSIONS.get(service.store.snapshot(), result.credentials.access_key_id)
    assert stored is not None and stored.mfa_authenticated_at == clock()
    # the session's requests carry MFA: a role policy requiring it allows
    inline(service, "role", "Ops", "mfa-only", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
         "Condition": MFA_REQUIRED}]}))
    assert service.list_users(result.principal) == service.list_users(root)


def test_mfa_code_is_good_once(service: IamService, root: Principal, clock: FakeClock) -> None:
    """A code from a time step already used is refused (replay), and a wrong code too."""
    alice = user_principal(service, root, "alice")
    seed = enable_mfa(service, "alice", clock)
    role = make_role(service, "Ops", trust(alice.arn, MFA_REQUIRED))
    code = current_code(seed, clock)
    service.assume_role(alice, role.arn, "s1", serial_number=SERIAL, token_code=code)
    with pytest.raises(AccessDenied, match="invalid MFA one time pass code"):
        service.assume_role(alice, role.arn, "s2", serial_number=SERIAL, token_code=code)
    wrong = f"{(int(current_code(seed, clock)) + 1) % 1_000_000:06d}"
    clock.advance(seconds=30)
    if wrong == current_code(seed, clock):  # pragma: no cover - one chance in a million
        wrong = f"{(int(wrong) + 1) % 1_000_000:06d}"
    with pytest.raises(AccessDenied):
        service.assume_role(alice, role.arn, "s3", serial_number=SERIAL, token_code=wrong)
    assert service.assume_role(alice, role.arn, "s4", serial_number=SERIAL,
                               token_code=current_code(seed, clock))


def test_mfa_device_of_someone_else_is_refused(service: IamService, root: Principal,
                                               clock: FakeClock) -> None:
    """The serial number must be a device of the calling user (AssumeRole, SerialNumber)."""
    user_principal(service, root, "alice")
    bob = user_principal(service, root, "bob")
    seed = enable_mfa(service, "alice", clock)
    role = make_role(service, "Ops", trust(bob.arn))
    with pytest.raises(AccessDenied, match="MultiFactorAuthentication failed"):
        service.assume_role(bob, role.arn, "s1", serial_number=SERIAL,
                            token_code=current_code(seed, clock))


def test_mfa_arguments_are_validated(service: IamService, root: Principal) -> None:
    """TokenCode is six digits; SerialNumber and TokenCode come together."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn))
    with pytest.raises(ValidationError, match="tokenCode"):
        service.assume_role(alice, role.arn, "s1", serial_number=SERIAL, token_code="12345")
    with pytest.raises(ValidationError, match="tokenCode"):
        service.assume_role(alice, role.arn, "s1", serial_number=SERIAL,
                            token_code="１２３４５６")
    with pytest.raises(ValidationError):
        service.assume_role(alice, role.arn, "s1", serial_number=SERIAL)


# ------------------------------------------------------------------ durations and names


def test_duration_limits(service: IamService, root: Principal, clock: FakeClock) -> None:
    """DurationSeconds: 900 up to the role's MaxSessionDuration (AssumeRole)."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn), max_session=7200)
    with pytest.raises(ValidationError, match="greater than or equal to 900"):
        service.assume_role(alice, role.arn, "s1", duration_seconds=899)
    with pytest.raises(ValidationError, match="exceeds the MaxSessionDuration"):
        service.assume_role(alice, role.arn, "s1", duration_seconds=7201)
    short = service.assume_role(alice, role.arn, "s1", duration_seconds=900)
    assert (short.credentials.expiration - clock()).total_seconds() == 900
    longest = service.assume_role(alice, role.arn, "s2", duration_seconds=7200)
    assert (longest.credentials.expiration - clock()).total_seconds() == 7200
    default = service.assume_role(alice, role.arn, "s3")
    assert (default.credentials.expiration - clock()).total_seconds() == 3600


def test_role_chaining_is_limited_to_one_hour(service: IamService, root: Principal) -> None:
    """Roles terms and concepts: a role session assuming a role gets at most one hour."""
    alice = user_principal(service, root, "alice")
    first = make_role(service, "First", trust(alice.arn))
    second = make_role(service, "Second", trust(f"arn:aws:iam::{ACCOUNT_ID}:role/First"),
                       max_session=43200)
    session = service.assume_role(alice, first.arn, "s1").principal
    with pytest.raises(ValidationError, match="1 hour session limit"):
        service.assume_role(session, second.arn, "s2", duration_seconds=7200)
    chained = service.assume_role(session, second.arn, "s2")
    assert chained.principal.arn.endswith(":assumed-role/Second/s2")


@pytest.mark.parametrize("name", ["a", "x" * 65, "bad name", "semi;colon"])
def test_session_name_rules(service: IamService, root: Principal, name: str) -> None:
    """RoleSessionName: 2-64 characters of [\\w+=,.@-]."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn))
    with pytest.raises(ValidationError, match="roleSessionName"):
        service.assume_role(alice, role.arn, name)


def test_session_name_limits_accepted(service: IamService, root: Principal) -> None:
    """RoleSessionName at its limits (2 and 64 characters, every allowed symbol) is
    accepted (STS API Reference, AssumeRole)."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn))
    for name in ("ab", "x" * 64, "a+b=c,d.e@f-g_h"):
        assert service.assume_role(alice, role.arn, name).principal.session_name == name


# ------------------------------------------------------------------ credentials


def test_credentials_shape_and_only_digests_stored(service: IamService, root: Principal,
                                                   tmp_path: Path) -> None:
    """Credentials: an ASIA key ID, a 40-character secret, a session token; the store and
    the audit trail never hold the secret or the token."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn))
    result = service.assume_role(alice, role.arn, "s1")
    creds = result.credentials
    assert ASIA_RE.fullmatch(creds.access_key_id)
    assert len(creds.secret_access_key) == 40 and len(creds.session_token) > 100
    on_disk = b"".join(p.read_bytes() for p in service.store.path.parent.iterdir()
                       if p.is_file())
    for secret in (creds.secret_access_key, creds.session_token):
        assert secret.encode() not in on_disk
    assert creds.access_key_id.encode() in on_disk
    event = service.audit.page(0, 1)[0]
    assert event["eventSource"] == "sts.amazonaws.com" and event["eventName"] == "AssumeRole"
    assert event["responseElements"]["credentials"]["accessKeyId"] == creds.access_key_id
    assert creds.secret_access_key not in json.dumps(event)
    assert "secret" not in repr(creds).lower() or creds.secret_access_key not in repr(creds)
    role_now = ROLES.get(service.store.snapshot(), role.role_id)
    assert role_now is not None and role_now.role_last_used is not None


def test_authenticate_session(service: IamService, root: Principal) -> None:
    """The key pair and token authenticate the session; a wrong secret or token does not."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn))
    creds = service.assume_role(alice, role.arn, "s1").credentials
    principal = service.authenticate_session(creds.access_key_id, creds.secret_access_key,
                                             creds.session_token)
    assert principal.kind == "assumed-role" and principal.name == "Ops"
    assert principal.principal_id == f"{role.role_id}:s1"
    with pytest.raises(InvalidClientTokenId):
        service.authenticate_session(creds.access_key_id, "x" * 40, creds.session_token)
    with pytest.raises(InvalidClientTokenId):
        service.authenticate_session(creds.access_key_id, creds.secret_access_key, "token")
    with pytest.raises(InvalidClientTokenId):
        service.authenticate_session("ASIAAAAAAAAAAAAAAAAA", creds.secret_access_key,
                                     creds.session_token)


def test_expired_session_fails(service: IamService, root: Principal,
                               clock: FakeClock) -> None:
    """After Expiration, the credentials fail with ExpiredToken, at sign-in and for a
    principal already held (a TUI session)."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn))
    inline(service, "role", "Ops", "list", allow("iam:ListUsers"))
    result = service.assume_role(alice, role.arn, "s1", duration_seconds=900)
    service.list_users(result.principal)
    clock.advance(seconds=899)
    service.list_users(result.principal)
    clock.advance(seconds=1)
    creds = result.credentials
    with pytest.raises(ExpiredToken, match="expired"):
        service.authenticate_session(creds.access_key_id, creds.secret_access_key,
                                     creds.session_token)
    with pytest.raises(ExpiredToken):
        service.list_users(result.principal)
    with pytest.raises(ExpiredToken):
        service.get_caller_identity(result.principal)


def test_deleted_and_recreated_role_ends_old_sessions(service: IamService,
                                                      root: Principal) -> None:
    """A session belongs to the role's unique ID: a new role with the same name is not it."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn))
    creds = service.assume_role(alice, role.arn, "s1").credentials
    with service.store.transaction() as tx:
        ROLES.delete(tx, role.role_id)
    make_role(service, "Ops", trust(alice.arn))
    with pytest.raises(InvalidClientTokenId):
        service.authenticate_session(creds.access_key_id, creds.secret_access_key,
                                     creds.session_token)


# ------------------------------------------------------------------ acting as the role


def test_session_acts_with_the_roles_policies_and_boundary(service: IamService,
                                                           root: Principal) -> None:
    """The session's permissions are the role's identity policies within its boundary
    (Policy evaluation logic; permissions boundaries for IAM entities)."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn),
                     boundary="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    inline(service, "role", "Ops", "iam-all", allow("iam:*"))
    session = service.assume_role(alice, role.arn, "s1").principal
    assert [u.user_name for u in service.list_users(session)] == ["alice"]  # both allow
    with pytest.raises(AccessDenied, match="permissions boundary"):
        service.create_user(session, "mallory")  # the role allows, the boundary does not
    event = service.audit.page(0, 1)[0]
    assert event["userIdentity"]["type"] == "AssumedRole"
    assert event["userIdentity"]["arn"] == session.arn
    with pytest.raises(AccessDenied):
        service.list_users(alice)  # alice herself may not


def test_revoke_role_sessions(service: IamService, root: Principal, clock: FakeClock) -> None:
    """Revoking adds AWSRevokeOlderSessions: sessions issued before now are denied
    everything, sessions issued afterwards work (Revoking IAM role temporary credentials)."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn))
    inline(service, "role", "Ops", "list", allow("iam:ListUsers"))
    old = service.assume_role(alice, role.arn, "old").principal
    clock.advance(seconds=10)
    cutoff = service.revoke_role_sessions(root, "Ops")
    assert cutoff == clock()
    policy = INLINE_POLICIES.get(service.store.snapshot(), f"role/ops#{REVOKE_POLICY_NAME.lower()}")
    assert policy is not None and "aws:TokenIssueTime" in policy.document
    with pytest.raises(AccessDenied, match="explicit deny"):
        service.list_users(old)
    clock.advance(seconds=1)
    new = service.assume_role(alice, role.arn, "new").principal
    assert service.list_users(new)


def test_revoke_needs_put_role_policy(service: IamService, root: Principal) -> None:
    """Revoking is iam:PutRolePolicy on the role; denied callers change nothing."""
    alice = user_principal(service, root, "alice")
    make_role(service, "Ops", trust(alice.arn))
    with pytest.raises(AccessDenied, match="iam:PutRolePolicy"):
        service.revoke_role_sessions(alice, "Ops")
    assert INLINE_POLICIES.count(service.store.snapshot()) == 0
    with pytest.raises(NoSuchEntity, match="The role with name Nope cannot be found"):
        service.revoke_role_sessions(root, "Nope")


def test_list_role_sessions(service: IamService, root: Principal, clock: FakeClock) -> None:
    """Our own listing of a role's sessions (what the console shows before "Revoke active
    sessions"): unexpired sessions only, oldest first, no secrets."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn))
    service.assume_role(alice, role.arn, "s-a", duration_seconds=900)
    service.assume_role(alice, role.arn, "s-b", duration_seconds=3600)
    assert [s.session_name for s in service.list_role_sessions(root, "Ops")] == ["s-a", "s-b"]
    clock.advance(seconds=901)
    assert [s.session_name for s in service.list_role_sessions(root, "Ops")] == ["s-b"]


# ------------------------------------------------------------------ GetCallerIdentity


def test_get_caller_identity(service: IamService, root: Principal) -> None:
    """GetCallerIdentity: UserId, Account and Arn for root, a user and a role session,
    even when a policy denies everything (STS API Reference, GetCallerIdentity)."""
    assert service.get_caller_identity(root).arn == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert service.get_caller_identity(root).user_id == ACCOUNT_ID
    alice = user_principal(service, root, "alice")
    user = USERS.find_one(service.store.snapshot(), "name", "alice")
    assert isinstance(user, User)
    me = service.get_caller_identity(alice)
    assert (me.user_id, me.account, me.arn) == (user.user_id, ACCOUNT_ID, user.arn)
    role = make_role(service, "Ops", trust(alice.arn))
    inline(service, "role", "Ops", "deny", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "*", "Resource": "*"}]}))
    session = service.assume_role(alice, role.arn, "s1").principal
    me = service.get_caller_identity(session)
    assert me.user_id == f"{role.role_id}:s1"
    assert me.arn == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/Ops/s1"
    event = service.audit.page(0, 1)[0]
    assert (event["eventSource"], event["eventName"]) == ("sts.amazonaws.com",
                                                          "GetCallerIdentity")


def test_token_issue_time_is_in_the_sessions_context(service: IamService, root: Principal,
                                                     clock: FakeClock) -> None:
    """aws:TokenIssueTime is the session's issue time (global condition context keys)."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Ops", trust(alice.arn))
    session = service.assume_role(alice, role.arn, "s1").principal
    assert session.session_issued_at == clock().replace(microsecond=0)
    assert isinstance(session.session_issued_at, datetime)


def test_mfa_with_a_device_enrolled_through_the_service(service: IamService, root: Principal,
                                                        clock: FakeClock) -> None:
    """A device created and enabled with CreateVirtualMFADevice / EnableMFADevice works for
    AssumeRole, and the enrollment's second code cannot be replayed here."""
    alice = user_principal(service, root, "alice")
    new = service.create_virtual_mfa_device(root, "alice-app")
    seed, serial = new.base32_seed, new.device.serial_number
    step = time_step(clock())
    service.enable_mfa_device(root, "alice", serial, code_at(seed, step - 1), code_at(seed, step))
    role = make_role(service, "Ops", trust(alice.arn, MFA_REQUIRED))
    with pytest.raises(AccessDenied, match="invalid MFA"):
        service.assume_role(alice, role.arn, "s1", serial_number=serial,
                            token_code=code_at(seed, step))
    clock.advance(seconds=30)
    assert service.assume_role(alice, role.arn, "s1", serial_number=serial,
                               token_code=current_code(seed, clock))


def test_mfa_code_after_drift_measured_by_resync(service: IamService, root: Principal,
                                                 clock: FakeClock) -> None:
    """ResyncMFADevice records a device's drift; AssumeRole's code check applies it."""
    from iamtui.service.mfa_devices import DRIFT_META

    alice = user_principal(service, root, "alice")
    seed = enable_mfa(service, "alice", clock)
    with service.store.transaction() as tx:
        tx.meta[DRIFT_META] = {SERIAL: 6}  # the device runs three minutes fast
    role = make_role(service, "Ops", trust(alice.arn, MFA_REQUIRED))
    fast_code = code_at(seed, time_step(clock()) + 6)
    assert service.assume_role(alice, role.arn, "s1", serial_number=SERIAL,
                               token_code=fast_code)


def test_external_id_condition(service: IamService, root: Principal) -> None:
    """sts:ExternalId carries AssumeRole's ExternalId to the trust policy's conditions
    (IAM User Guide, "Access to AWS accounts owned by third parties"); its format is
    2-1224 characters of [\\w+=,.@:/-]."""
    alice = user_principal(service, root, "alice")
    role = make_role(service, "Vendor", trust(alice.arn, {
        "StringEquals": {"sts:ExternalId": "Unique-ID-1234"}}))
    with pytest.raises(AccessDenied):
        service.assume_role(alice, role.arn, "s1")
    with pytest.raises(AccessDenied):
        service.assume_role(alice, role.arn, "s1", external_id="Unique-ID-9999")
    with pytest.raises(ValidationError, match="externalId"):
        service.assume_role(alice, role.arn, "s1", external_id="has space")
    assert service.assume_role(alice, role.arn, "s1", external_id="Unique-ID-1234")
    event = service.audit.page(0, 1)[0]
    assert event["requestParameters"]["externalId"] == "Unique-ID-1234"


def test_console_mfa_carries_into_the_session(service: IamService, root: Principal,
                                              clock: FakeClock) -> None:
    """A caller who proved MFA at sign-in meets an MFA condition without a code, and the
    session keeps that moment, so aws:MultiFactorAuthAge keeps counting from it."""
    user = service.create_user(root, "alice")
    signed_in_at = clock()
    alice = Principal.for_user(user, ACCOUNT_ID, mfa_at=signed_in_at, console=True)
    role = make_role(service, "Ops", trust(alice.arn, MFA_REQUIRED))
    clock.advance(minutes=10)
    session = service.assume_role(alice, role.arn, "s1").principal
    assert session.mfa_authenticated_at == signed_in_at
    inline(service, "role", "Ops", "fresh-mfa", json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
            "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "900"}}}]}))
    assert service.list_users(session)
    clock.advance(minutes=5)
    with pytest.raises(AccessDenied):
        service.list_users(session)  # 15 minutes since MFA: too old for this policy
