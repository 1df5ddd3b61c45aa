"""Issue 15, "The rest": account aliases, the account summary, context keys of a stored
principal's policies, a role's description alone, one MFA device and its tags. Each is
authorized as its IAM action, audited, refused with AWS's errors, and its CLI answer
conforms to AWS's API model (tests/aws_model.output_problems)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_model import output_problems
from helpers import ACCOUNT_ID, CliRunner, FakeClock

from iamtui.errors import AccessDenied, InvalidInput, LimitExceeded, NoSuchEntity, ValidationError
from iamtui.model import Tag
from iamtui.security import mfa
from iamtui.service import IamService, Principal

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def _allowed(service: IamService, root: Principal, name: str, *actions: str,
             condition: dict[str, Any] | None = None) -> Principal:
    """A user whose one inline policy allows `actions` on "*" (under `condition`)."""
    user = service.create_user(root, name)
    statement: dict[str, Any] = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    service.put_user_policy(root, name, "p", json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]}))
    return Principal.for_user(user, ACCOUNT_ID)


def _last_event(service: IamService) -> dict[str, Any]:
    return service.audit.page(0, 1)[0]


# ---------------------------------------------------------------------- account aliases


def test_an_account_has_one_alias_and_a_new_one_replaces_it(service: IamService,
                                                             root: Principal) -> None:
    """AWS Sign-In User Guide, "Creating, deleting, and listing an AWS account alias": one
    alias per account; creating another replaces it. ListAccountAliases lists it."""
    assert service.list_account_aliases(root) == ["example"]
    service.create_account_alias(root, "acme-prod")
    assert service.list_account_aliases(root) == ["acme-prod"]
    assert service.account().alias == "acme-prod"
    assert _last_event(service)["eventName"] == "CreateAccountAlias"
    service.delete_account_alias(root, "acme-prod")
    assert service.list_account_aliases(root) == []


@pytest.mark.parametrize("alias", ["ab", "a" * 64, "-acme", "acme-", "ac--me", "Acme",
                                   "acme_corp", "acme corp"])
def test_alias_rules(service: IamService, root: Principal, alias: str) -> None:
    """IAM API Reference, CreateAccountAlias: 3-63 lowercase letters, digits and dashes,
    neither first nor last, no two dashes in a row (ValidationError, nothing changes)."""
    with pytest.raises(ValidationError, match="accountAlias"):
        service.create_account_alias(root, alias)
    assert service.account().alias == "example"


def test_an_alias_of_twelve_digits_is_refused(service: IamService, root: Principal) -> None:
    """An alias cannot be an account ID (AWS Sign-In User Guide: an alias must not be
    all digits of an account ID, or it would sign in elsewhere)."""
    with pytest.raises(InvalidInput, match="12-digit"):
        service.create_account_alias(root, "123456789012")


def test_delete_names_the_alias_it_deletes(service: IamService, root: Principal) -> None:
    """IAM API Reference, DeleteAccountAlias: NoSuchEntity for an alias the account has
    not; the refusal is audited and the alias stays."""
    with pytest.raises(NoSuchEntity, match="other-name cannot be found"):
        service.delete_account_alias(root, "other-name")
    event = _last_event(service)
    assert (event["eventName"], event["errorCode"]) == ("DeleteAccountAlias", "NoSuchEntity")
    assert service.account().alias == "example"


def test_aliases_are_authorized_as_their_actions(service: IamService, root: Principal) -> None:
    """Service Authorization Reference (IAM): CreateAccountAlias, DeleteAccountAlias and
    ListAccountAliases have no resource type: "*"; a denial changes nothing."""
    reader = _allowed(service, root, "reader", "iam:ListAccountAliases")
    assert service.list_account_aliases(reader) == ["example"]
    with pytest.raises(AccessDenied, match="iam:CreateAccountAlias"):
        service.create_account_alias(reader, "taken-over")
    with pytest.raises(AccessDenied, match="iam:DeleteAccountAlias"):
        service.delete_account_alias(reader, "example")
    assert service.account().alias == "example"
    event = _last_event(service)
    assert (event["eventName"], event["errorCode"]) == ("DeleteAccountAlias", "AccessDenied")
    nobody = _allowed(service, root, "nobody", "iam:GetUser")
    with pytest.raises(AccessDenied, match="iam:ListAccountAliases"):
        service.list_account_aliases(nobody)


# ---------------------------------------------------------------------- account summary


def _summary_keys() -> list[str]:
    import awscli.formatter  # noqa: F401  (its botocore, as tests/aws_model.py)
    import botocore.session

    service = botocore.session.get_session().get_service_model("iam")
    return list(service.shape_for("summaryKeyType").enum)


def test_account_summary_counts_and_quotas(service: IamService, root: Principal,
                                           clock: FakeClock) -> None:
    """IAM API Reference, GetAccountSummary: SummaryMap has every documented key (entity
    counts and the quotas of "IAM and AWS STS quotas")."""
    before = service.get_account_summary(root)
    assert set(before) == set(_summary_keys())
    assert before["UsersQuota"] == 5000 and before["GroupsQuota"] == 300
    assert before["RolesQuota"] == 1000 and before["PoliciesQuota"] == 1500
    assert before["VersionsPerPolicyQuota"] == 5 and before["PolicySizeQuota"] == 6144
    assert (before["Users"], before["AccountMFAEnabled"], before["AccountAccessKeysPresent"],
            before["AccountPasswordPresent"]) == (0, 0, 0, 1)
    service.create_user(root, "alice")
    service.create_group(root, "devs")
    service.create_role(root, "web", TRUST)
    service.create_policy(root, "read", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    service.attach_policy(root, "user", "alice", f"arn:aws:iam::{ACCOUNT_ID}:policy/read")
    service.attach_policy(root, "role", "web", "arn:aws:iam::aws:policy/ReadOnlyAccess")
    service.create_access_key(root, None)
    new = service.create_virtual_mfa_device(root, "root-account-mfa-device")
    step = mfa.time_step(clock())
    service.enable_mfa_device(root, None, new.device.serial_number,
                              mfa.code_at(new.base32_seed, step - 1),
                              mfa.code_at(new.base32_seed, step))
    service.create_virtual_mfa_device(root, "spare")
    after = service.get_account_summary(root)
    assert {k: after[k] for k in ("Users", "Groups", "Roles", "Policies",
                                  "PolicyVersionsInUse", "MFADevices", "MFADevicesInUse",
                                  "AccountMFAEnabled", "AccountAccessKeysPresent")} == {
        "Users": 1, "Groups": 1, "Roles": 1, "Policies": 1, "PolicyVersionsInUse": 2,
        "MFADevices": 2, "MFADevicesInUse": 1, "AccountMFAEnabled": 1,
        "AccountAccessKeysPresent": 1}


def test_account_summary_is_authorized(service: IamService, root: Principal) -> None:
    """Service Authorization Reference: iam:GetAccountSummary on "*"."""
    nobody = _allowed(service, root, "nobody", "iam:GetUser")
    with pytest.raises(AccessDenied, match="iam:GetAccountSummary"):
        service.get_account_summary(nobody)
    event = _last_event(service)
    assert (event["eventName"], event["errorCode"]) == ("GetAccountSummary", "AccessDenied")


def test_security_token_service_preferences(service: IamService, root: Principal) -> None:
    """IAM API Reference, SetSecurityTokenServicePreferences: v1Token or v2Token (anything
    else a ValidationError), shown as GetAccountSummary's GlobalEndpointTokenVersion;
    authorized as iam:SetSecurityTokenServicePreferences and audited."""
    assert service.get_account_summary(root)["GlobalEndpointTokenVersion"] == 1
    service.set_security_token_service_preferences(root, "v2Token")
    with pytest.raises(ValidationError, match="v1Token, v2Token"):
        service.set_security_token_service_preferences(root, "v3Token")
    nobody = _allowed(service, root, "nobody", "iam:GetAccountSummary")
    with pytest.raises(AccessDenied, match="iam:SetSecurityTokenServicePreferences"):
        service.set_security_token_service_preferences(nobody, "v1Token")
    assert _last_event(service)["errorCode"] == "AccessDenied"
    assert service.get_account_summary(root)["GlobalEndpointTokenVersion"] == 2


def test_account_summary_counts_providers_and_server_certificates(
        service: IamService, root: Principal) -> None:
    """GetAccountSummary's Providers (identity providers: SAML and OpenID Connect) and
    ServerCertificates count what the account has (IAM API Reference, GetAccountSummary)."""
    from cert_factory import certificate, rsa_key
    from cryptography.hazmat.primitives import serialization
    from saml_idp import IdP

    service.create_saml_provider(root, "Okta", IdP().metadata())
    service.create_open_id_connect_provider(root, "https://token.actions.githubusercontent.com",
                                            ["sts.amazonaws.com"])
    key = rsa_key()
    service.upload_server_certificate(
        root, "web", certificate(key),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption()).decode())
    summary = service.get_account_summary(root)
    assert (summary["Providers"], summary["ServerCertificates"]) == (2, 1)


# ------------------------------------------------------------- update-role-description


def test_update_role_description_changes_only_the_description(service: IamService,
                                                               root: Principal) -> None:
    """IAM API Reference, UpdateRoleDescription: the description only, the role returned;
    authorized as iam:UpdateRoleDescription (iam:UpdateRole does not grant it)."""
    service.create_role(root, "web", TRUST, max_session_duration=7200)
    role = service.update_role_description(root, "web", "serves the shop")
    assert (role.description, role.max_session_duration) == ("serves the shop", 7200)
    assert _last_event(service)["eventName"] == "UpdateRoleDescription"
    updater = _allowed(service, root, "updater", "iam:UpdateRole")
    with pytest.raises(AccessDenied, match="iam:UpdateRoleDescription"):
        service.update_role_description(updater, "web", "hijacked")
    assert service.get_role(root, "web").description == "serves the shop"
    with pytest.raises(NoSuchEntity, match="cannot be found"):
        service.update_role_description(root, "nope", "x")
    with pytest.raises(ValidationError, match="description"):
        service.update_role_description(root, "web", "x" * 1001)


# ------------------------------------------------ get-context-keys-for-principal-policy


def _condition_policy(key: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {key: "x"}}}]})


def test_context_keys_of_a_users_own_and_groups_policies(service: IamService,
                                                          root: Principal) -> None:
    """IAM API Reference, GetContextKeysForPrincipalPolicy: the keys of every policy of the
    user, its groups' included, and of the policies passed in, each once."""
    from iamtui.commands.policy import compile_inputs
    from iamtui.policy import PolicyType

    service.create_user(root, "alice")
    service.put_user_policy(root, "alice", "own", _condition_policy("aws:SourceIp"))
    service.create_group(root, "devs")
    service.add_user_to_group(root, "devs", "alice")
    service.put_group_policy(root, "devs", "team", _condition_policy("aws:PrincipalTag/team"))
    service.put_group_policy(root, "devs", "again", _condition_policy("AWS:SourceIp"))
    extra = compile_inputs([_condition_policy("s3:prefix")], "--policy-input-list",
                           "PolicyInputList", PolicyType.IDENTITY)
    names = service.get_context_keys_for_principal_policy(
        root, f"arn:aws:iam::{ACCOUNT_ID}:user/alice", extra)
    assert sorted(names) == ["aws:PrincipalTag/team", "aws:SourceIp", "s3:prefix"]
    group = service.get_context_keys_for_principal_policy(
        root, f"arn:aws:iam::{ACCOUNT_ID}:group/devs")
    assert sorted(group) == ["AWS:SourceIp", "aws:PrincipalTag/team"]  # first spelling met


def test_context_keys_refusals(service: IamService, root: Principal) -> None:
    """NoSuchEntity for an unknown principal, InvalidInput for an ARN of no user, group or
    role; authorized as iam:GetContextKeysForPrincipalPolicy on the source ARN."""
    with pytest.raises(NoSuchEntity):
        service.get_context_keys_for_principal_policy(
            root, f"arn:aws:iam::{ACCOUNT_ID}:user/ghost")
    with pytest.raises(InvalidInput):
        service.get_context_keys_for_principal_policy(
            root, f"arn:aws:iam::{ACCOUNT_ID}:policy/p")
    nobody = _allowed(service, root, "nobody", "iam:GetUser")
    with pytest.raises(AccessDenied, match="iam:GetContextKeysForPrincipalPolicy"):
        service.get_context_keys_for_principal_policy(
            nobody, f"arn:aws:iam::{ACCOUNT_ID}:user/nobody")


# ---------------------------------------------------------- one MFA device and its tags


@pytest.fixture
def device(service: IamService, root: Principal, clock: FakeClock) -> str:
    """alice's virtual MFA device, enabled."""
    service.create_user(root, "alice")
    new = service.create_virtual_mfa_device(root, "alice-phone")
    step = mfa.time_step(clock())
    service.enable_mfa_device(root, "alice", new.device.serial_number,
                              mfa.code_at(new.base32_seed, step - 1),
                              mfa.code_at(new.base32_seed, step))
    return new.device.serial_number


def test_get_mfa_device(service: IamService, root: Principal, device: str) -> None:
    """IAM API Reference, GetMFADevice: the device enabled for the user; NoSuchEntity when
    it is not that user's; authorized as iam:GetMFADevice on the user."""
    got = service.get_mfa_device(root, device, "alice")
    assert (got.serial_number, got.user_name) == (device, "alice")
    assert got.enable_date is not None
    with pytest.raises(NoSuchEntity, match="not enabled for the root user"):
        service.get_mfa_device(root, device)
    with pytest.raises(ValidationError, match="serialNumber"):
        service.get_mfa_device(root, "short", "alice")
    nobody = _allowed(service, root, "nobody", "iam:ListMFADevices")
    with pytest.raises(AccessDenied, match="iam:GetMFADevice"):
        service.get_mfa_device(nobody, device, "alice")


def test_mfa_device_tags(service: IamService, root: Principal, device: str) -> None:
    """IAM API Reference, TagMFADevice / UntagMFADevice / ListMFADeviceTags: tags added or
    overwritten (keys ignore case), removed by key; at most 50 (LimitExceeded)."""
    service.tag_mfa_device(root, device, [Tag("team", "blue"), Tag("Owner", "alice")])
    service.tag_mfa_device(root, device, [Tag("TEAM", "red")])
    assert service.list_mfa_device_tags(root, device) == (Tag("Owner", "alice"),
                                                          Tag("TEAM", "red"))
    service.untag_mfa_device(root, device, ["owner"])
    assert service.list_mfa_device_tags(root, device) == (Tag("TEAM", "red"),)
    with pytest.raises(LimitExceeded):
        service.tag_mfa_device(root, device, [Tag(f"k{i}", "v") for i in range(50)])
    with pytest.raises(NoSuchEntity):
        service.tag_mfa_device(root, f"arn:aws:iam::{ACCOUNT_ID}:mfa/ghost", [Tag("a", "b")])
    with pytest.raises(InvalidInput):
        service.tag_mfa_device(root, device, [Tag("a", "1"), Tag("A", "2")])


def test_mfa_device_tags_are_authorized_on_the_device(service: IamService, root: Principal,
                                                      device: str) -> None:
    """Service Authorization Reference: TagMFADevice on the mfa resource, with
    aws:RequestTag/${TagKey}; a denial is audited and changes nothing."""
    tagger = _allowed(service, root, "tagger", "iam:TagMFADevice", "iam:ListMFADeviceTags",
                      condition={"StringEquals": {"aws:RequestTag/team": "blue"}})
    service.tag_mfa_device(tagger, device, [Tag("team", "blue")])
    with pytest.raises(AccessDenied, match="iam:TagMFADevice"):
        service.tag_mfa_device(tagger, device, [Tag("team", "red")])
    with pytest.raises(AccessDenied, match="iam:UntagMFADevice"):
        service.untag_mfa_device(tagger, device, ["team"])
    event = _last_event(service)
    assert (event["eventName"], event["errorCode"]) == ("UntagMFADevice", "AccessDenied")
    assert service.list_mfa_device_tags(root, device) == (Tag("team", "blue"),)


# ---------------------------------------------------------------------- the commands


def test_the_commands_answer_in_awss_shapes(cli_run: CliRunner) -> None:
    """Each command's JSON conforms to its operation's output shape in AWS's model, and
    `iamtui --help` lists every one."""
    cli_run.as_root("create-user", "--user-name", "alice")
    cli_run.as_root("create-role", "--role-name", "web", "--assume-role-policy-document", TRUST)
    serial = cli_run.as_root("create-virtual-mfa-device", "--virtual-mfa-device-name",
                             "phone")["VirtualMFADevice"]["SerialNumber"]
    cases = [
        ("CreateAccountAlias", ["create-account-alias", "--account-alias", "acme"]),
        ("ListAccountAliases", ["list-account-aliases"]),
        ("GetAccountSummary", ["get-account-summary"]),
        ("UpdateRoleDescription", ["update-role-description", "--role-name", "web",
                                   "--description", "the shop"]),
        ("GetContextKeysForPrincipalPolicy", [
            "get-context-keys-for-principal-policy", "--policy-source-arn",
            f"arn:aws:iam::{ACCOUNT_ID}:user/alice", "--policy-input-list",
            _condition_policy("aws:SourceIp")]),
        ("TagMFADevice", ["tag-mfa-device", "--serial-number", serial, "--tags",
                          "Key=team,Value=blue"]),
        ("ListMFADeviceTags", ["list-mfa-device-tags", "--serial-number", serial]),
        ("UntagMFADevice", ["untag-mfa-device", "--serial-number", serial, "--tag-keys",
                            "team"]),
        ("DeleteAccountAlias", ["delete-account-alias", "--account-alias", "acme"]),
    ]
    for operation, argv in cases:
        answer = cli_run.as_root(*argv)
        assert output_problems(operation, answer) == [], (operation, answer)
    assert cli_run.as_root("list-account-aliases") == {"AccountAliases": []}
    code, _, err = cli_run.root("delete-account-alias", "--account-alias", "acme")
    assert code == 254 and "(NoSuchEntity) when calling the DeleteAccountAlias" in err
    from iamtui.cli import build_parser

    out = build_parser().format_help()
    for name in ("create-account-alias", "delete-account-alias", "list-account-aliases",
                 "get-account-summary", "get-context-keys-for-principal-policy",
                 "update-role-description", "get-mfa-device", "tag-mfa-device",
                 "untag-mfa-device", "list-mfa-device-tags"):
        assert name in out


def test_get_mfa_device_command(cli_run: CliRunner) -> None:
    """get-mfa-device prints GetMFADevice's shape (UserName, SerialNumber, EnableDate)."""
    import time

    cli_run.as_root("create-user", "--user-name", "alice")
    created = cli_run.as_root("create-virtual-mfa-device", "--virtual-mfa-device-name",
                              "phone")["VirtualMFADevice"]
    seed = created["Base32StringSeed"]
    step = int(time.time()) // 30
    cli_run.as_root("enable-mfa-device", "--user-name", "alice", "--serial-number",
                    created["SerialNumber"], "--authentication-code1",
                    mfa.code_at(seed, step - 1), "--authentication-code2",
                    mfa.code_at(seed, step))
    answer = cli_run.as_root("get-mfa-device", "--serial-number", created["SerialNumber"],
                             "--user-name", "alice")
    assert output_problems("GetMFADevice", answer) == []
    assert (answer["UserName"], answer["SerialNumber"]) == ("alice", created["SerialNumber"])
