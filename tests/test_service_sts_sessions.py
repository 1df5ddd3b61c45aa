"""Sessions of users and shaped role sessions: GetSessionToken, GetFederationToken,
AssumeRole's session policies, session tags and source identity, GetAccessKeyInfo.

Written from:
- STS API Reference, GetSessionToken, GetFederationToken, AssumeRole, GetAccessKeyInfo
  (durations, limits of the credentials, output shapes, error codes).
- IAM User Guide, "Permissions for GetSessionToken" and "Configuring MFA-protected API
  access" (aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge in a session's calls).
- IAM User Guide, "Session policies" (intersection; none passed to GetFederationToken: no
  permissions) and "Policy evaluation logic".
- IAM User Guide, "Passing session tags in AWS STS" (sts:TagSession; aws:PrincipalTag,
  aws:RequestTag; transitive tags in a role chain) and "Monitor and control actions taken
  with assumed roles" (sts:SetSourceIdentity, aws:SourceIdentity, unchangeable in a chain).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from helpers import ACCOUNT_ID, FakeClock
from test_service_sts import (
    ASIA_RE,
    SERIAL,
    allow,
    current_code,
    enable_mfa,
    inline,
    make_role,
    trust,
    user_principal,
)

from iamtui.errors import (
    AccessDenied,
    InvalidClientTokenId,
    MalformedPolicyDocument,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import Tag
from iamtui.policy import ContextEntry
from iamtui.service import IamService, Principal
from iamtui.service.federation import aws_federation_token, aws_session_token
from iamtui.service.session_inputs import InvalidParameterValue, PackedPolicyTooLarge
from iamtui.service.sts import aws_assume_role

BUCKET = "arn:aws:s3:::bucket/key"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def login(service: IamService, creds) -> Principal:
    """The principal a later command would be, given the credentials."""
    return service.authenticate_session(creds.access_key_id, creds.secret_access_key,
                                        creds.session_token)


def decide(service: IamService, caller: Principal, action: str, resource: str = BUCKET,
           extra: list[ContextEntry] | None = None):
    return service.evaluate_caller(service.store.snapshot(), caller, action, resource,
                                   extra or [])


def context_of(service: IamService, caller: Principal) -> dict[str, tuple[str, ...]]:
    ctx = service.caller_context(service.store.snapshot(), caller)
    return {e.key: e.values for e in ctx.entries()}


# ------------------------------------------------------------------ GetSessionToken


def test_session_token_acts_as_the_user_for_the_default_twelve_hours(
        service: IamService, root: Principal, clock: FakeClock) -> None:
    """GetSessionToken: no permission is needed; the credentials have the user's
    permissions; DurationSeconds defaults to 43,200."""
    alice = user_principal(service, root, "alice")
    inline(service, "user", "alice", "s3", allow("s3:GetObject"))
    creds = service.get_session_token(alice)
    assert ASIA_RE.fullmatch(creds.access_key_id)
    assert creds.expiration - clock().replace(microsecond=0) == timedelta(seconds=43200)
    session = login(service, creds)
    assert (session.kind, session.arn) == ("user", alice.arn)
    assert decide(service, session, "s3:GetObject").allowed
    assert service.get_caller_identity(session).arn == alice.arn
    assert set(aws_session_token(creds)) == {"Credentials"}


@pytest.mark.parametrize("seconds", [899, 129601])
def test_session_token_duration_limits(service: IamService, root: Principal,
                                       seconds: int) -> None:
    alice = user_principal(service, root, "alice")
    with pytest.raises(ValidationError, match="durationSeconds"):
        service.get_session_token(alice, duration_seconds=seconds)


def test_the_root_users_session_lasts_one_hour_at_most(service: IamService, root: Principal,
                                                       clock: FakeClock) -> None:
    """GetSessionToken: a longer request by the root user gets one hour."""
    creds = service.get_session_token(root, duration_seconds=129600)
    assert creds.expiration - clock().replace(microsecond=0) == timedelta(seconds=3600)
    assert login(service, creds).is_root


def test_a_session_token_without_mfa_cannot_call_iam(service: IamService,
                                                      root: Principal) -> None:
    """GetSessionToken: its credentials cannot call IAM API operations unless MFA
    information was included (AWS answers InvalidClientTokenId)."""
    alice = user_principal(service, root, "alice")
    inline(service, "user", "alice", "admin", allow("*"))
    session = login(service, service.get_session_token(alice))
    with pytest.raises(InvalidClientTokenId):
        service.create_user(session, "bob")
    root_session = login(service, service.get_session_token(root))
    with pytest.raises(InvalidClientTokenId):
        service.create_user(root_session, "bob")


def test_a_session_token_calls_no_sts_but_assume_role_and_caller_identity(
        service: IamService, root: Principal) -> None:
    """GetSessionToken: no STS API except AssumeRole or GetCallerIdentity."""
    alice = user_principal(service, root, "alice")
    inline(service, "user", "alice", "admin", allow("*"))
    session = login(service, service.get_session_token(alice))
    with pytest.raises(AccessDenied, match="Cannot call GetSessionToken with session"):
        service.get_session_token(session)
    with pytest.raises(AccessDenied, match="Cannot call GetFederationToken with session"):
        service.get_federation_token(session, "fed", policy=allow("s3:*"))
    with pytest.raises(AccessDenied, match="GetAccessKeyInfo"):
        service.get_access_key_info(session, alice.principal_id.replace("AIDA", "AKIA"))
    role = make_role(service, "Ops", trust(alice.arn))
    assert service.assume_role(session, role.arn, "from-token").principal.name == "Ops"


def test_mfa_in_the_session_token_sets_the_mfa_keys(service: IamService, root: Principal,
                                                    clock: FakeClock) -> None:
    """Configuring MFA-protected API access: calls made with a session whose MFA was proven
    carry aws:MultiFactorAuthPresent true and aws:MultiFactorAuthAge; without MFA the
    session's calls carry it false; long-term keys carry none."""
    alice = user_principal(service, root, "alice")
    seed = enable_mfa(service, "alice", clock)
    inline(service, "user", "alice", "mfa-only", doc(
        {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"},
                       "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}}))
    assert "aws:MultiFactorAuthPresent" not in context_of(service, alice)
    plain = login(service, service.get_session_token(alice))
    assert context_of(service, plain)["aws:MultiFactorAuthPresent"] == ("false",)
    with_mfa = login(service, service.get_session_token(
        alice, serial_number=SERIAL, token_code=current_code(seed, clock)))
    clock.advance(seconds=120)
    keys = context_of(service, with_mfa)
    assert keys["aws:MultiFactorAuthPresent"] == ("true",)
    assert keys["aws:MultiFactorAuthAge"] == ("120",)
    assert service.create_user(with_mfa, "bob").user_name == "bob"  # IAM, with MFA
    clock.advance(seconds=3600)  # the condition asks for MFA within the hour
    with pytest.raises(AccessDenied):
        service.create_user(with_mfa, "carol")


def test_a_wrong_mfa_code_issues_nothing(service: IamService, root: Principal,
                                         clock: FakeClock) -> None:
    alice = user_principal(service, root, "alice")
    enable_mfa(service, "alice", clock)
    with pytest.raises(AccessDenied, match="MultiFactorAuthentication failed"):
        service.get_session_token(alice, serial_number=SERIAL, token_code="000000")
    with pytest.raises(ValidationError, match="tokenCode"):
        service.get_session_token(alice, serial_number=SERIAL)


def test_a_session_token_dies_with_its_user(service: IamService, root: Principal) -> None:
    alice = user_principal(service, root, "alice")
    creds = service.get_session_token(alice)
    service.delete_user(root, "alice")
    with pytest.raises(InvalidClientTokenId):
        login(service, creds)


# ------------------------------------------------------------------ GetFederationToken


def test_federated_user_has_the_intersection_of_user_and_session_policies(
        service: IamService, root: Principal) -> None:
    """GetFederationToken: the session's permissions are the intersection of the user's
    identity-based policies and the session policies; the federated user's ARN and ID."""
    alice = user_principal(service, root, "alice")
    inline(service, "user", "alice", "s3", doc(
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "sts:*"],
         "Resource": "*"}))
    result = service.get_federation_token(
        alice, "bob-app", policy=allow("s3:*"),
        policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    assert result.arn == f"arn:aws:sts::{ACCOUNT_ID}:federated-user/bob-app"
    assert result.federated_user_id == f"{ACCOUNT_ID}:bob-app"
    fed = login(service, result.credentials)
    assert fed.kind == "federated-user" and fed.arn == result.arn
    assert decide(service, fed, "s3:GetObject").allowed
    assert decide(service, fed, "s3:PutObject").allowed  # the inline session policy allows
    assert not decide(service, fed, "s3:DeleteObject").allowed  # alice may not
    identity = service.get_caller_identity(fed)
    assert (identity.user_id, identity.arn) == (result.federated_user_id, result.arn)
    out = aws_federation_token(result)
    assert set(out) == {"Credentials", "FederatedUser", "PackedPolicySize"}
    assert 0 < out["PackedPolicySize"] <= 100


def test_a_federated_user_without_session_policies_has_no_permissions(
        service: IamService, root: Principal) -> None:
    alice = user_principal(service, root, "alice")
    inline(service, "user", "alice", "all", allow("*"))
    fed = login(service, service.get_federation_token(alice, "nobody").credentials)
    result = decide(service, fed, "s3:GetObject")
    assert not result.allowed and result.decided_by == "session"


def test_a_federated_user_calls_no_iam_and_no_sts_but_caller_identity(
        service: IamService, root: Principal) -> None:
    alice = user_principal(service, root, "alice")
    inline(service, "user", "alice", "all", allow("*"))
    fed = login(service, service.get_federation_token(alice, "fed", policy=allow("*"))
                .credentials)
    with pytest.raises(AccessDenied, match="federated user"):
        service.list_users(fed)
    role = make_role(service, "Ops", trust(f"arn:aws:iam::{ACCOUNT_ID}:root"))
    with pytest.raises(AccessDenied, match="Cannot call AssumeRole with session"):
        service.assume_role(fed, role.arn, "s1")
    assert service.get_caller_identity(fed).arn.endswith(":federated-user/fed")


def test_get_federation_token_needs_permission_on_the_federated_user(
        service: IamService, root: Principal) -> None:
    """Authorized as sts:GetFederationToken on arn:aws:sts::ACCOUNT:federated-user/NAME;
    tags need sts:TagSession too."""
    alice = user_principal(service, root, "alice")
    with pytest.raises(AccessDenied, match="sts:GetFederationToken on resource: "
                       f"arn:aws:sts::{ACCOUNT_ID}:federated-user/app"):
        service.get_federation_token(alice, "app", policy=allow("s3:*"))
    inline(service, "user", "alice", "fed", allow(
        "sts:GetFederationToken", f"arn:aws:sts::{ACCOUNT_ID}:federated-user/app"))
    service.get_federation_token(alice, "app", policy=allow("s3:*"))
    with pytest.raises(AccessDenied, match="sts:TagSession"):
        service.get_federation_token(alice, "app", tags=[("team", "blue")])


@pytest.mark.parametrize("name", ["a", "x" * 33, "bad name", "ü-user"])
def test_federated_user_names(service: IamService, root: Principal, name: str) -> None:
    with pytest.raises(ValidationError, match="'name'"):
        service.get_federation_token(root, name)


def test_session_policies_are_checked(service: IamService, root: Principal) -> None:
    """A malformed session policy or a managed policy that does not exist is
    MalformedPolicyDocument; more than ten ARNs or 2,048 characters is ValidationError;
    too much for the packed form is PackedPolicyTooLarge."""
    with pytest.raises(MalformedPolicyDocument):
        service.get_federation_token(root, "fed", policy='{"Statement": [}')
    with pytest.raises(MalformedPolicyDocument, match="does not exist"):
        service.get_federation_token(
            root, "fed", policy_arns=[f"arn:aws:iam::{ACCOUNT_ID}:policy/Nope"])
    with pytest.raises(ValidationError, match="policyArns"):
        service.get_federation_token(
            root, "fed", policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"] * 11)
    with pytest.raises(ValidationError, match="2048"):
        service.get_federation_token(root, "fed", policy=allow("s3:" + "a" * 2100))
    import secrets
    noisy = [(f"k{i}", secrets.token_hex(120)) for i in range(50)]
    with pytest.raises(PackedPolicyTooLarge):
        service.get_federation_token(root, "fed", tags=noisy)


def test_a_root_users_federated_user_is_capped_by_its_session_policies(
        service: IamService, root: Principal) -> None:
    fed = login(service, service.get_federation_token(root, "ops", policy=allow("s3:Get*"))
                .credentials)
    assert decide(service, fed, "s3:GetObject").allowed
    assert not decide(service, fed, "s3:PutObject").allowed


# ------------------------------------------------------------------ AssumeRole: shaping


def _ops(service: IamService, root: Principal, *extra_actions: str):
    alice = user_principal(service, root, "alice")
    actions = ["sts:AssumeRole", *extra_actions]
    role = make_role(service, "Ops", doc({"Effect": "Allow", "Principal": {"AWS": alice.arn},
                                          "Action": actions}))
    inline(service, "role", "Ops", "s3", allow("s3:*"))
    return alice, role


def test_assume_role_session_policies_intersect_the_roles(service: IamService,
                                                          root: Principal) -> None:
    """AssumeRole, Policy and PolicyArns: the session's permissions are the intersection
    of the role's identity-based policies and the session policies."""
    alice, role = _ops(service, root)
    result = service.assume_role(alice, role.arn, "narrow", policy=allow("s3:GetObject"))
    assert result.packed_policy_size is not None
    assert "PackedPolicySize" in aws_assume_role(result)
    session = login(service, result.credentials)
    assert decide(service, session, "s3:GetObject").allowed
    assert not decide(service, session, "s3:PutObject").allowed
    plain = login(service, service.assume_role(alice, role.arn, "wide").credentials)
    assert decide(service, plain, "s3:PutObject").allowed
    assert "PackedPolicySize" not in aws_assume_role(
        service.assume_role(alice, role.arn, "again"))


def test_session_tags_need_tag_session_and_become_principal_tags(
        service: IamService, root: Principal) -> None:
    """Passing session tags in AWS STS: the trust policy (and, unless it names the caller,
    the caller's policies) must allow sts:TagSession; the request carries aws:RequestTag;
    the session's calls carry the tags as aws:PrincipalTag, over the role's own tags."""
    alice, role = _ops(service, root)
    with pytest.raises(AccessDenied, match="sts:TagSession"):
        service.assume_role(alice, role.arn, "tagged", tags=[("team", "blue")])
    service.update_assume_role_policy(root, "Ops", doc(
        {"Effect": "Allow", "Principal": {"AWS": alice.arn}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": alice.arn}, "Action": "sts:TagSession",
         "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"}}}))
    with pytest.raises(AccessDenied, match="sts:TagSession"):
        service.assume_role(alice, role.arn, "tagged", tags=[("team", "red")])
    service.tag_role(root, "Ops", [Tag("team", "role-tag"), Tag("cost", "42")])
    session = login(service, service.assume_role(alice, role.arn, "tagged",
                                                 tags=[("team", "blue")]).credentials)
    keys = context_of(service, session)
    assert keys["aws:PrincipalTag/team"] == ("blue",)
    assert keys["aws:PrincipalTag/cost"] == ("42",)


def test_transitive_tags_pass_down_a_role_chain_and_cannot_change(
        service: IamService, root: Principal) -> None:
    """Passing session tags in AWS STS, "Chaining roles with session tags"."""
    alice, role = _ops(service, root, "sts:TagSession")
    second = make_role(service, "Second", doc(
        {"Effect": "Allow", "Principal": {"AWS": role.arn},
         "Action": ["sts:AssumeRole", "sts:TagSession"]}))
    inline(service, "role", "Ops", "chain", allow("sts:*"))
    first = login(service, service.assume_role(
        alice, role.arn, "one", tags=[("project", "x"), ("scratch", "y")],
        transitive_tag_keys=["project"]).credentials)
    chained = login(service, service.assume_role(first, second.arn, "two").credentials)
    keys = context_of(service, chained)
    assert keys["aws:PrincipalTag/project"] == ("x",)
    assert "aws:PrincipalTag/scratch" not in keys
    with pytest.raises(InvalidParameterValue, match="project"):
        service.assume_role(first, second.arn, "three", tags=[("project", "other")])
    with pytest.raises(InvalidParameterValue):
        service.assume_role(alice, role.arn, "bad", tags=[("a", "b")],
                            transitive_tag_keys=["c"])


def test_source_identity_needs_permission_and_persists_in_the_chain(
        service: IamService, root: Principal) -> None:
    """Monitor and control actions taken with assumed roles: sts:SetSourceIdentity, the
    aws:SourceIdentity key in the session's calls, unchangeable once set."""
    alice, role = _ops(service, root)
    with pytest.raises(AccessDenied, match="sts:SetSourceIdentity"):
        service.assume_role(alice, role.arn, "s1", source_identity="alice")
    service.update_assume_role_policy(root, "Ops", doc(
        {"Effect": "Allow", "Principal": {"AWS": alice.arn},
         "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
         "Condition": {"StringEquals": {"sts:SourceIdentity": "alice"}}}))
    with pytest.raises(AccessDenied):
        service.assume_role(alice, role.arn, "s1", source_identity="mallory")
    result = service.assume_role(alice, role.arn, "s1", source_identity="alice")
    assert aws_assume_role(result)["SourceIdentity"] == "alice"
    session = login(service, result.credentials)
    assert context_of(service, session)["aws:SourceIdentity"] == ("alice",)
    second = make_role(service, "Second", doc(
        {"Effect": "Allow", "Principal": {"AWS": role.arn},
         "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"]}))
    inline(service, "role", "Ops", "chain", allow("sts:*"))
    with pytest.raises(ValidationError, match="cannot be changed"):
        service.assume_role(session, second.arn, "t1", source_identity="bob")
    chained = service.assume_role(session, second.arn, "t1")
    assert chained.source_identity == "alice"
    with pytest.raises(ValidationError, match="sourceIdentity"):
        service.assume_role(alice, role.arn, "s1", source_identity="aws:me")


def test_role_chaining_is_limited_to_one_hour(service: IamService, root: Principal) -> None:
    """AssumeRole: DurationSeconds over 3,600 is refused when chaining (ValidationError)."""
    alice, role = _ops(service, root)
    second = make_role(service, "Second", trust(role.arn), max_session=43200)
    inline(service, "role", "Ops", "chain", allow("sts:AssumeRole"))
    session = login(service, service.assume_role(alice, role.arn, "one").credentials)
    with pytest.raises(ValidationError, match="role chaining"):
        service.assume_role(session, second.arn, "two", duration_seconds=3601)
    assert service.assume_role(session, second.arn, "two", duration_seconds=3600)


# ------------------------------------------------------------------ GetAccessKeyInfo


def test_get_access_key_info_names_the_account(service: IamService, root: Principal) -> None:
    """GetAccessKeyInfo: the account of a long-term or temporary key ID; one never issued
    is NoSuchEntity; the caller needs sts:GetAccessKeyInfo."""
    alice = user_principal(service, root, "alice")
    key = service.create_access_key(root, "alice").key.access_key_id
    temporary = service.get_session_token(alice).access_key_id
    assert service.get_access_key_info(root, key) == ACCOUNT_ID
    assert service.get_access_key_info(root, temporary) == ACCOUNT_ID
    with pytest.raises(NoSuchEntity):
        service.get_access_key_info(root, "AKIAAAAAAAAAAAAAAAAA")
    with pytest.raises(ValidationError):
        service.get_access_key_info(root, "short")
    with pytest.raises(AccessDenied, match="sts:GetAccessKeyInfo"):
        service.get_access_key_info(alice, key)


def test_a_root_session_token_expires(service: IamService, root: Principal,
                                      clock: FakeClock) -> None:
    """Temporary credentials stop at their Expiration, the root user's own too."""
    session = login(service, service.get_session_token(root, duration_seconds=900))
    clock.advance(seconds=901)
    from iamtui.service.sts import ExpiredToken
    with pytest.raises(ExpiredToken):
        service.get_caller_identity(session)


def test_decoding_needs_permission(service: IamService, root: Principal) -> None:
    """DecodeAuthorizationMessage: only a caller allowed sts:DecodeAuthorizationMessage
    reads the message, and only a message this store sealed decodes."""
    alice = user_principal(service, root, "alice")
    with pytest.raises(AccessDenied) as denied:
        service.create_user(alice, "bob")
    encoded = denied.value.encoded_message
    assert encoded is not None and alice.arn not in encoded  # opaque to the caller
    with pytest.raises(AccessDenied, match="sts:DecodeAuthorizationMessage"):
        service.decode_authorization_message(alice, encoded)
    decoded = json.loads(service.decode_authorization_message(root, encoded))
    assert decoded["context"]["principal"] == {"id": alice.principal_id, "name": "alice",
                                               "arn": alice.arn}
    from iamtui.service.authz_messages import InvalidAuthorizationMessage
    with pytest.raises(InvalidAuthorizationMessage):
        service.decode_authorization_message(root, "not-a-message")


def test_session_calls_are_audited_without_their_secrets(service: IamService,
                                                         root: Principal) -> None:
    """Every STS call is a CloudTrail-shaped event of sts.amazonaws.com, the refused ones
    too; the secret and the token are in neither the store nor the trail; a federated
    user's later calls are recorded as a FederatedUser."""
    alice = user_principal(service, root, "alice")
    inline(service, "user", "alice", "fed", allow("sts:GetFederationToken"))
    result = service.get_federation_token(alice, "app", policy=allow("s3:*"))
    creds = result.credentials
    event = service.audit.page(0, 1)[0]
    assert (event["eventSource"], event["eventName"]) == ("sts.amazonaws.com",
                                                          "GetFederationToken")
    assert event["responseElements"]["federatedUser"]["arn"] == result.arn
    on_disk = b"".join(p.read_bytes() for p in service.store.path.parent.iterdir()
                       if p.is_file())
    for secret in (creds.secret_access_key, creds.session_token):
        assert secret.encode() not in on_disk
    fed = login(service, creds)
    with pytest.raises(AccessDenied):
        service.get_session_token(fed)
    refused = service.audit.page(0, 1)[0]
    assert refused["eventName"] == "GetSessionToken" and refused["errorCode"] == "AccessDenied"
    assert refused["userIdentity"]["type"] == "FederatedUser"
    assert refused["userIdentity"]["arn"] == result.arn


def test_the_root_users_session_token_with_its_mfa_calls_iam(
        service: IamService, root: Principal, clock: FakeClock) -> None:
    """GetSessionToken with the root user's MFA device: IAM calls work (root's session
    with MFA); without MFA they do not."""
    from iamtui.service.mfa_devices import ROOT_OWNER

    seed = enable_mfa(service, ROOT_OWNER, clock)
    session = login(service, service.get_session_token(
        root, serial_number=SERIAL, token_code=current_code(seed, clock)))
    assert session.is_root and session.mfa_authenticated_at is not None
    assert service.create_user(session, "bob").user_name == "bob"


def test_sts_reads_are_audited_as_sts_events(service: IamService, root: Principal) -> None:
    alice = user_principal(service, root, "alice")
    with pytest.raises(AccessDenied):
        service.get_access_key_info(alice, "AKIAAAAAAAAAAAAAAAAA")
    event = service.audit.page(0, 1)[0]
    assert (event["eventSource"], event["eventName"], event["errorCode"]) == (
        "sts.amazonaws.com", "GetAccessKeyInfo", "AccessDenied")
    with pytest.raises(NoSuchEntity):
        service.get_access_key_info(root, "AKIAAAAAAAAAAAAAAAAA")
    assert service.audit.page(0, 1)[0]["errorCode"] == "NoSuchEntity"


# ------------------------------------------------------------------ GetScopedCredentials


def test_scoped_credentials_narrow_the_session_layer_by_layer(service: IamService,
                                                              root: Principal) -> None:
    """STS API Reference, GetScopedCredentials: the same identity (SessionInfo), the
    calling session's permissions intersected with the scope-down policy, one layer per
    call (ScopedPoliciesCount), three at most (a fourth is denied); a policy cannot widen."""
    from oidc_helpers import assert_matches_boto3_model

    from iamtui.service.federation import aws_scoped_credentials

    alice, role = _ops(service, root)
    session = login(service, service.assume_role(alice, role.arn, "work").credentials)
    first = service.get_scoped_credentials(session, policy=actions("s3:Get*", "s3:List*"),
                                           scoped_session_description="read only for CI")
    shown = aws_scoped_credentials(first)
    assert_matches_boto3_model("sts", "GetScopedCredentials", shown)
    assert shown["SessionInfo"] == {"ScopedSessionId": session.principal_id,
                                    "Arn": session.arn}
    assert shown["ScopedPoliciesCount"] == 1
    assert first.credentials.expiration == session_expiry(service, session)
    scoped = login(service, first.credentials)
    assert service.get_caller_identity(scoped).arn == session.arn
    assert decide(service, scoped, "s3:GetObject").allowed
    assert not decide(service, scoped, "s3:PutObject").allowed  # the role allows, not it
    assert decide(service, session, "s3:PutObject").allowed  # the caller's stays as it was
    second = login(service, service.get_scoped_credentials(
        scoped, policy=actions("s3:GetObject", "s3:PutObject")).credentials)
    assert decide(service, second, "s3:GetObject").allowed
    assert not decide(service, second, "s3:PutObject").allowed  # layer 1 still refuses
    assert not decide(service, second, "s3:ListBucket").allowed  # layer 2 refuses
    third = service.get_scoped_credentials(second, policy=allow("s3:*"))
    assert third.scoped_policies_count == 3
    with pytest.raises(AccessDenied, match="scope-down"):
        service.get_scoped_credentials(login(service, third.credentials),
                                       policy=allow("s3:*"))


def actions(*names: str) -> str:
    return doc({"Effect": "Allow", "Action": list(names), "Resource": "*"})


def session_expiry(service: IamService, caller: Principal):
    from iamtui.service.tables import ROLE_SESSIONS

    return ROLE_SESSIONS.get(service.store.snapshot(), caller.access_key_id).expiration


def test_scoped_credentials_refusals(service: IamService, root: Principal,
                                     clock: FakeClock) -> None:
    """STS API Reference, GetScopedCredentials: temporary credentials only
    (InvalidSubjectCredentials), Policy or DurationSeconds (ValidationError), DurationSeconds
    1-129,600 and within the calling session (InsufficientSessionLifetime), the policy an
    identity policy (MalformedPolicyDocument); a shorter lifetime alone keeps the layers."""
    from iamtui.service.federation import InsufficientSessionLifetime, InvalidSubjectCredentials

    alice, role = _ops(service, root)
    with pytest.raises(InvalidSubjectCredentials):
        service.get_scoped_credentials(alice, policy=allow("s3:*"))
    session = login(service, service.assume_role(alice, role.arn, "work").credentials)
    with pytest.raises(ValidationError, match="Policy or DurationSeconds"):
        service.get_scoped_credentials(session)
    with pytest.raises(ValidationError, match="durationSeconds"):
        service.get_scoped_credentials(session, duration_seconds=0)
    with pytest.raises(InsufficientSessionLifetime):
        service.get_scoped_credentials(session, duration_seconds=3601)
    with pytest.raises(MalformedPolicyDocument):
        service.get_scoped_credentials(session, policy='{"Statement": 1}')
    short = service.get_scoped_credentials(session, duration_seconds=600)
    assert short.scoped_policies_count == 0
    assert short.credentials.expiration == clock.now + timedelta(seconds=600)
    assert decide(service, login(service, short.credentials), "s3:PutObject").allowed
    clock.advance(seconds=601)
    with pytest.raises(Exception, match="expired"):
        login(service, short.credentials)
