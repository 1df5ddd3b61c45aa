"""AssumeRoleWithWebIdentity with an OIDC provider's ID token, and the tester's offline
question "may this token (or these claims) assume this role?".

Semantics from the STS API Reference, "AssumeRoleWithWebIdentity" (parameters, response,
the errors InvalidIdentityToken, ExpiredTokenException, IDPRejectedClaim, AccessDenied),
the IAM User Guide, "OIDC federation" (five minutes of clock skew past `exp`), "Create an
OpenID Connect (OIDC) identity provider in IAM" (iss is the provider URL, aud one of its
client IDs) and "Available keys for AWS web identity federation" (PROVIDER:aud, :oaud, :sub,
:amr, :email; :aud is `azp` when the token has one). Keys and tokens are made here with
PyJWT; nothing goes to the network.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from helpers import ACCOUNT_ID, FakeClock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oidc_helpers import (
    GITHUB,
    assert_matches_aws_model,
    ec_key,
    github_claims,
    jwks,
    rsa_key,
)

from iamtui.errors import AccessDenied, IamError, MalformedPolicyDocument, ValidationError
from iamtui.service import IamService, Principal
from iamtui.service.web_identity import (
    ExpiredTokenException,
    IDPRejectedClaim,
    InvalidIdentityToken,
    aws_assume_role_with_web_identity,
    aws_web_identity_test,
)

PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/deploy"
KEY = "token.actions.githubusercontent.com"


def github_trust(sub: str = "repo:acme/app:ref:refs/heads/main", op: str = "StringEquals"
                 ) -> str:
    """The trust policy GitHub's and AWS's guides give for a GitHub Actions role."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": PROVIDER_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{KEY}:aud": "sts.amazonaws.com"},
                      op: {f"{KEY}:sub": sub}}}]})


@pytest.fixture
def federation(service: IamService, root: Principal) -> IamService:
    """A GitHub provider with its keys, and a role that trusts main of acme/app."""
    service.create_open_id_connect_provider(root, GITHUB, ["sts.amazonaws.com"])
    service.set_open_id_connect_provider_jwks(root, PROVIDER_ARN, jwks(rsa_key(), ec_key()))
    service.create_role(root, "deploy", github_trust(), max_session_duration=7200)
    return service


def now(clock: FakeClock) -> int:
    return int(clock().timestamp())


def token(clock: FakeClock, **claims) -> str:
    return rsa_key().sign(github_claims(now(clock), **claims))


def test_a_github_job_on_main_gets_temporary_credentials(federation: IamService,
                                                         clock: FakeClock) -> None:
    result = federation.assume_role_with_web_identity(ROLE_ARN, "gh-run-1", token(clock))
    shown = aws_assume_role_with_web_identity(result)
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", shown["Credentials"]["AccessKeyId"])
    assert shown["SubjectFromWebIdentityToken"] == "repo:acme/app:ref:refs/heads/main"
    assert shown["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/deploy/gh-run-1")
    assert shown["Provider"] == PROVIDER_ARN and shown["Audience"] == "sts.amazonaws.com"
    assert_matches_aws_model("sts", "AssumeRoleWithWebIdentity", shown)
    creds = result.session.credentials
    session = federation.authenticate_session(creds.access_key_id, creds.secret_access_key,
                                              creds.session_token)
    assert session.arn == shown["AssumedRoleUser"]["Arn"]


def test_the_exchange_is_audited_as_a_web_identity_user_without_the_token(
        federation: IamService, clock: FakeClock) -> None:
    jwt_text = token(clock)
    federation.assume_role_with_web_identity(ROLE_ARN, "gh", jwt_text)
    event = federation.audit.page(0, 1)[0]
    assert event["eventName"] == "AssumeRoleWithWebIdentity"
    assert event["eventSource"] == "sts.amazonaws.com"
    assert event["userIdentity"]["type"] == "WebIdentityUser"
    assert event["userIdentity"]["identityProvider"] == PROVIDER_ARN
    assert jwt_text not in json.dumps(event) and jwt_text.split(".")[2] not in json.dumps(event)


def test_another_branch_is_access_denied(federation: IamService, clock: FakeClock) -> None:
    with pytest.raises(AccessDenied, match="Not authorized to perform "
                                           "sts:AssumeRoleWithWebIdentity"):
        federation.assume_role_with_web_identity(
            ROLE_ARN, "gh", token(clock, sub="repo:acme/app:ref:refs/heads/feature"))
    assert federation.audit.page(0, 1)[0]["errorCode"] == "AccessDenied"


def test_a_role_that_does_not_exist_is_refused_alike(federation: IamService,
                                                     clock: FakeClock) -> None:
    with pytest.raises(AccessDenied):
        federation.assume_role_with_web_identity(ROLE_ARN + "x", "gh", token(clock))


def test_the_wrong_audience_is_invalid_identity_token(federation: IamService,
                                                      clock: FakeClock) -> None:
    with pytest.raises(InvalidIdentityToken, match="Incorrect token audience"):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", token(clock, aud="other"))


def test_a_token_of_no_provider_of_the_account(federation: IamService,
                                               clock: FakeClock) -> None:
    claims = github_claims(now(clock), iss="https://gitlab.example.com")
    with pytest.raises(InvalidIdentityToken, match=re.escape(
            "No OpenIDConnect provider found in your account for https://gitlab.example.com")):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", rsa_key().sign(claims))


def test_a_deleted_provider_no_longer_lets_its_tokens_in(federation: IamService,
                                                         root: Principal,
                                                         clock: FakeClock) -> None:
    """DeleteOpenIDConnectProvider leaves trust policies as they are; assuming the role with
    the provider's tokens then fails."""
    federation.delete_open_id_connect_provider(root, PROVIDER_ARN)
    with pytest.raises(InvalidIdentityToken):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", token(clock))


def test_expiry_allows_five_minutes_of_clock_skew(federation: IamService,
                                                  clock: FakeClock) -> None:
    jwt_text = token(clock)  # exp is 300 s from now
    clock.advance(seconds=300 + 299)
    federation.assume_role_with_web_identity(ROLE_ARN, "gh", jwt_text)
    clock.advance(seconds=1)
    with pytest.raises(ExpiredTokenException, match="Token expired"):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", jwt_text)


def test_a_token_not_valid_yet(federation: IamService, clock: FakeClock) -> None:
    future = now(clock) + 3600
    with pytest.raises(InvalidIdentityToken, match="nbf"):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", rsa_key().sign(
            github_claims(now(clock), nbf=future, exp=future + 300)))


def test_a_signature_by_another_key_does_not_verify(federation: IamService,
                                                    clock: FakeClock) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from oidc_helpers import SigningKey

    impostor = SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048),
                          "RS256", "rsa-1")  # the provider's kid, not its key
    with pytest.raises(InvalidIdentityToken, match="could not be validated"):
        federation.assume_role_with_web_identity(
            ROLE_ARN, "gh", impostor.sign(github_claims(now(clock))))


def test_an_elliptic_curve_key_signs_too(federation: IamService, clock: FakeClock) -> None:
    federation.assume_role_with_web_identity(ROLE_ARN, "gh",
                                             ec_key().sign(github_claims(now(clock))))


@pytest.mark.parametrize("header", [{"kid": "unknown"}, {"alg": "none"}])
def test_unknown_keys_and_algorithms(federation: IamService, clock: FakeClock,
                                     header: dict) -> None:
    import jwt

    if header.get("alg") == "none":
        text = jwt.encode(github_claims(now(clock)), None, algorithm="none")
    else:
        text = rsa_key().sign(github_claims(now(clock)), **header)
    with pytest.raises(InvalidIdentityToken):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", text)


def test_hs256_with_the_public_key_as_secret_is_refused(federation: IamService,
                                                        clock: FakeClock) -> None:
    """The algorithm-confusion attack: an HMAC over the token keyed with the provider's
    public key. Only RSA and EC signatures are taken."""
    import hashlib
    import hmac

    import jwt.utils as u

    header = u.base64url_encode(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode())
    body = u.base64url_encode(json.dumps(github_claims(now(clock))).encode())
    secret = json.dumps(rsa_key().jwk).encode()
    sig = u.base64url_encode(hmac.new(secret, header + b"." + body, hashlib.sha256).digest())
    with pytest.raises(InvalidIdentityToken, match="Unsupported signing algorithm"):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh",
                                                 (header + b"." + body + b"." + sig).decode())


def test_no_keys_given_yet(service: IamService, root: Principal, clock: FakeClock) -> None:
    service.create_open_id_connect_provider(root, GITHUB, ["sts.amazonaws.com"])
    service.create_role(root, "deploy", github_trust())
    with pytest.raises(InvalidIdentityToken, match="set-open-id-connect-provider-jwks"):
        service.assume_role_with_web_identity(ROLE_ARN, "gh", token(clock))


def test_a_token_without_a_subject_is_idp_rejected_claim(federation: IamService,
                                                         clock: FakeClock) -> None:
    claims = github_claims(now(clock))
    del claims["sub"]
    with pytest.raises(IDPRejectedClaim):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", rsa_key().sign(claims))


def test_not_a_jwt(federation: IamService) -> None:
    with pytest.raises(InvalidIdentityToken, match="not a valid JWT"):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", "not-a-token")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=4, max_size=200) | st.builds(
    lambda a, b, c: f"{a}.{b}.{c}", st.text(alphabet="ABCDEFGHabcdefgh0123456789-_", max_size=60),
    st.text(alphabet="ABCDEFGHabcdefgh0123456789-_=", max_size=60), st.text(max_size=20)))
def test_any_token_text_ends_as_an_sts_error(federation: IamService, text: str) -> None:
    """The token parser: whatever the text, the answer is an STS error, never a crash."""
    with pytest.raises(IamError):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", text)


def test_parameters_as_the_api_constrains_them(federation: IamService,
                                               clock: FakeClock) -> None:
    with pytest.raises(ValidationError, match="webIdentityToken"):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", "abc")
    with pytest.raises(ValidationError, match="roleSessionName"):
        federation.assume_role_with_web_identity(ROLE_ARN, "g", token(clock))
    with pytest.raises(ValidationError, match="durationSeconds"):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", token(clock),
                                                 duration_seconds=600)
    with pytest.raises(ValidationError, match="MaxSessionDuration"):
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", token(clock),
                                                 duration_seconds=7201)
    result = federation.assume_role_with_web_identity(ROLE_ARN, "gh", token(clock),
                                                      duration_seconds=7200)
    assert (result.session.credentials.expiration - clock()).total_seconds() == 7200


def test_claims_as_context_keys(service: IamService, root: Principal,
                                clock: FakeClock) -> None:
    """With `azp` in the token, PROVIDER:aud is the azp and PROVIDER:oaud the aud (as
    Google's tokens); :amr and :email come from their claims."""
    service.create_open_id_connect_provider(root, "https://id.example.com", ["client-1"])
    arn = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/id.example.com"
    service.set_open_id_connect_provider_jwks(root, arn, jwks(rsa_key()))
    service.create_role(root, "reader", json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"id.example.com:aud": "azp-1",
                                       "id.example.com:oaud": "client-1",
                                       "id.example.com:email": "ana@example.com"},
                      "ForAnyValue:StringEquals": {"id.example.com:amr": "mfa"}}}]}))
    t = now(clock)
    claims = {"iss": "https://id.example.com", "aud": "client-1", "azp": "azp-1",
              "sub": "ana", "email": "ana@example.com", "amr": ["pwd", "mfa"],
              "iat": t, "exp": t + 600}
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/reader"
    service.assume_role_with_web_identity(role, "ana", rsa_key().sign(claims))
    with pytest.raises(AccessDenied):
        service.assume_role_with_web_identity(role, "ana", rsa_key().sign(
            {**claims, "amr": ["pwd"]}))


# ---------------------------------------------------------------------------- the tester

def test_the_tester_answers_for_typed_claims(federation: IamService, root: Principal) -> None:
    """"Can a GitHub Actions job from acme/app on branch X assume deploy?" from claims."""
    main = federation.test_web_identity(root, ROLE_ARN, claims={
        "iss": GITHUB, "aud": "sts.amazonaws.com", "sub": "repo:acme/app:ref:refs/heads/main"})
    assert main.allowed and not main.signature_checked
    shown = aws_web_identity_test(main)
    assert shown["EvalDecision"] == "allowed"
    assert {"ContextKeyName": f"{KEY}:sub", "ContextKeyValues": [
        "repo:acme/app:ref:refs/heads/main"], "ContextKeyType": "string"} in shown[
        "ContextEntries"]
    assert shown["Explanation"][0].startswith("Allowed: Allow statement #1")
    feature = federation.test_web_identity(root, ROLE_ARN, claims={
        "iss": GITHUB, "aud": "sts.amazonaws.com", "sub": "repo:acme/app:ref:refs/heads/dev"})
    shown = aws_web_identity_test(feature)
    assert not feature.allowed and shown["ErrorCode"] == "AccessDenied"
    assert any("refs/heads/dev" in line and "does not match" in line
               for line in shown["Explanation"])


def test_the_tester_reports_what_sts_would_refuse_first(federation: IamService,
                                                        root: Principal,
                                                        clock: FakeClock) -> None:
    wrong_aud = federation.test_web_identity(root, ROLE_ARN, claims={
        "iss": GITHUB, "aud": "other", "sub": "repo:acme/app:ref:refs/heads/main"})
    assert aws_web_identity_test(wrong_aud)["ErrorCode"] == "InvalidIdentityToken"
    expired = federation.test_web_identity(root, ROLE_ARN, claims={
        **github_claims(now(clock)), "exp": now(clock) - 3600})
    assert aws_web_identity_test(expired)["ErrorCode"] == "ExpiredTokenException"


def test_the_tester_checks_a_pasted_token_with_its_signature(
        federation: IamService, root: Principal, clock: FakeClock) -> None:
    test = federation.test_web_identity(root, ROLE_ARN, token=token(clock))
    assert test.allowed and test.signature_checked
    sessions = federation.list_role_sessions(root, "deploy")
    assert sessions == []  # nothing was issued


def test_the_tester_is_authorized_as_simulating_the_role(federation: IamService,
                                                         root: Principal) -> None:
    from test_service_oidc import _user

    nobody = _user(federation, "nobody")
    with pytest.raises(AccessDenied, match="iam:SimulatePrincipalPolicy"):
        federation.test_web_identity(nobody, ROLE_ARN, claims={"iss": GITHUB})


def test_now_is_the_stores_clock_not_the_machines(tmp_path, root: Principal) -> None:
    """A store whose clock is in 2030 finds a token of 2026 expired."""
    from helpers import ROOT_PASSWORD

    later = FakeClock(datetime(2030, 1, 1, tzinfo=FakeClock()().tzinfo))
    svc = IamService.initialize(tmp_path / "later.json", root_password=ROOT_PASSWORD,
                                account_id=ACCOUNT_ID, clock=later, keys_dir=tmp_path / "k2")
    try:
        boss = svc.root_principal()
        svc.create_open_id_connect_provider(boss, GITHUB, ["sts.amazonaws.com"])
        svc.set_open_id_connect_provider_jwks(boss, PROVIDER_ARN, jwks(rsa_key()))
        svc.create_role(boss, "deploy", github_trust())
        with pytest.raises(ExpiredTokenException):
            svc.assume_role_with_web_identity(ROLE_ARN, "gh", token(FakeClock()))
    finally:
        svc.close()


def test_a_token_naming_a_key_of_another_type(federation: IamService,
                                              clock: FakeClock) -> None:
    """An RS256 token whose kid names the provider's EC key does not verify."""
    with pytest.raises(InvalidIdentityToken):
        federation.assume_role_with_web_identity(
            ROLE_ARN, "gh", rsa_key().sign(github_claims(now(clock)), kid="ec-1"))


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(alg=st.sampled_from(["RS256", "RS384", "ES256", "ES384", "HS256", "none", "PS256", 7]),
       kid=st.sampled_from(["rsa-1", "ec-1", "nope", None, 3]),
       signature=st.sampled_from(["rsa", "ec", "junk", ""]))
def test_any_header_and_signature_ends_as_an_sts_error_or_verifies(
        federation: IamService, clock: FakeClock, alg: object, kid: object,
        signature: str) -> None:
    """Headers naming any algorithm and any key, over any signature: the answer is an STS
    error, or the token verifies only when a provider key of that algorithm signed it."""
    import jwt.utils as u

    header = {"alg": alg, **({"kid": kid} if kid is not None else {})}
    signing_input = (u.base64url_encode(json.dumps(header).encode()) + b"." +
                     u.base64url_encode(json.dumps(github_claims(now(clock))).encode()))
    if signature in ("rsa", "ec") and alg in ("RS256", "RS384", "ES256", "ES384"):
        from jwt.algorithms import get_default_algorithms

        key = (rsa_key() if signature == "rsa" else ec_key()).private
        try:
            raw = get_default_algorithms()[alg].sign(signing_input, key)
        except (TypeError, ValueError, AttributeError):
            raw = b"x"
    else:
        raw = signature.encode()
    text = (signing_input + b"." + u.base64url_encode(raw)).decode()
    try:
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", text)
    except IamError:
        return
    assert (alg, kid, signature) in {("RS256", "rsa-1", "rsa"), ("ES256", "ec-1", "ec")}


def test_session_policies_limit_the_session(federation: IamService, root: Principal,
                                            clock: FakeClock) -> None:
    """Policy and PolicyArns of AssumeRoleWithWebIdentity are session policies: the
    session may do what both the role's policies and they allow, a deny in them wins, and
    the answer carries PackedPolicySize (STS API Reference, AssumeRoleWithWebIdentity;
    IAM User Guide, "Session policies")."""
    federation.put_role_policy(root, "deploy", "iam", json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["iam:ListUsers", "iam:ListRoles", "iam:GetRole"],
            "Resource": "*"}]}))

    def session(**kwargs) -> tuple[Principal, dict]:
        result = federation.assume_role_with_web_identity(ROLE_ARN, "gh", token(clock),
                                                          **kwargs)
        creds = result.session.credentials
        return federation.authenticate_session(
            creds.access_key_id, creds.secret_access_key, creds.session_token
        ), aws_assume_role_with_web_identity(result)

    plain, shown = session()
    assert "PackedPolicySize" not in shown and federation.list_roles(plain)
    limited, shown = session(policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:CreateUser", "iam:GetRole"],
         "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:GetRole", "Resource": "*"}]}))
    assert 0 < shown["PackedPolicySize"] <= 100
    assert_matches_aws_model("sts", "AssumeRoleWithWebIdentity", shown)
    assert federation.list_users(limited) == []  # allowed (there are no users)
    with pytest.raises(AccessDenied):
        federation.list_roles(limited)  # the role allows it, the session policy does not
    with pytest.raises(AccessDenied):
        federation.create_user(limited, "dave")  # the session policy allows, the role not
    with pytest.raises(AccessDenied):
        federation.get_role(limited, "deploy")  # both allow; the session policy denies
    by_arn, _ = session(policy_arns=["arn:aws:iam::aws:policy/IAMReadOnlyAccess"])
    assert federation.list_roles(by_arn)


def test_session_policy_rules(federation: IamService, clock: FakeClock) -> None:
    """The rules AssumeRole applies to session policies: Policy 1-2,048 characters of the
    API's range (ValidationError), an identity policy (MalformedPolicyDocument), at most 10
    PolicyArns that exist (STS API Reference, AssumeRoleWithWebIdentity)."""
    def call(**kwargs) -> None:
        federation.assume_role_with_web_identity(ROLE_ARN, "gh", token(clock), **kwargs)

    with pytest.raises(MalformedPolicyDocument):
        call(policy='{"Statement": 1}')
    with pytest.raises(ValidationError, match="2048"):
        call(policy="x" * 2049)
    with pytest.raises(ValidationError, match="policy"):
        call(policy='{"a": "\u0100"}')
    with pytest.raises(ValidationError, match="10"):
        call(policy_arns=[f"arn:aws:iam::{ACCOUNT_ID}:policy/p{i}" for i in range(11)])
    with pytest.raises(MalformedPolicyDocument, match="does not exist"):
        call(policy_arns=[f"arn:aws:iam::{ACCOUNT_ID}:policy/none"])
    assert federation.audit.page(0, 1)[0]["errorCode"] == "MalformedPolicyDocument"


def test_session_requests_carry_the_tokens_keys(federation: IamService, root: Principal,
                                                clock: FakeClock) -> None:
    """IAM User Guide, "Available keys for AWS web identity federation": the provider's
    keys (PROVIDER:sub, :aud, ...) "are available when the temporary security credentials
    are used to make a request", so the role's permissions policies can test them."""
    federation.put_role_policy(root, "deploy", "main-only", json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*", "Condition": {
                "StringEquals": {f"{KEY}:sub": "repo:acme/app:ref:refs/heads/main",
                                 f"{KEY}:aud": "sts.amazonaws.com"}}},
            {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*", "Condition": {
                "StringEquals": {f"{KEY}:sub": "repo:acme/other:ref:refs/heads/main"}}}]}))
    result = federation.assume_role_with_web_identity(ROLE_ARN, "gh", token(clock))
    creds = result.session.credentials
    session = federation.authenticate_session(creds.access_key_id, creds.secret_access_key,
                                              creds.session_token)
    assert federation.list_users(session) == []  # allowed: the session's sub matches
    with pytest.raises(AccessDenied):
        federation.list_roles(session)
