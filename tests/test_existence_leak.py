"""No operation tells a caller whether an entity exists before the caller is authorized.

IAM authorizes a request before it looks at what the request names: a caller not allowed
the action gets AccessDenied whether or not the user, role, group, policy, provider... is
there, and only an authorized caller learns NoSuchEntity (IAM User Guide, "Troubleshoot
access denied error messages": the denial names the action and the resource's ARN; "IAM
JSON policy elements: Resource": the ARN a request is authorized on). For a missing entity
the path is unknown, so the ARN named is the nominal one with path "/"
(arn:aws:iam::ACCOUNT:role/NAME), and condition keys read from the entity
(aws:ResourceTag/*, iam:PermissionsBoundary) are absent.

The command registry is the operation table: every command that names an entity is run by
a caller holding one narrow policy, once with names that exist and once with names that
do not, and must be refused the same way; a new command naming an entity fails
`test_every_command_naming_an_entity_is_covered` until it is added here.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from cert_factory import certificate, private_key_pem, rsa_key, ssh_public_key
from helpers import ACCOUNT_ID, ROOT_PASSWORD, CliRunner, FakeClock
from oidc_helpers import jwks
from oidc_helpers import rsa_key as jwt_key
from saml_idp import IdP

import iamtui.service.signin as signin_module
from iamtui.commands import load as load_commands
from iamtui.commands.registry import COMMANDS
from iamtui.errors import AccessDenied, NoSuchEntity, SignInFailed
from iamtui.model import Tag
from iamtui.service import IamService, Principal
from iamtui.service.signin import GENERIC_FAILURE

ARN = f"arn:aws:iam::{ACCOUNT_ID}"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
EXIT_SERVICE_ERROR = 254  # the AWS CLI's exit code for any service error, AccessDenied too
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"{ARN}:root"}, "Action": "sts:AssumeRole"}]})
DOCUMENT = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})


BUCKET_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"{ARN}:root"}, "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::corp-bucket/*"}]})


def narrow_policy(user: str) -> str:
    """What the attacker holds: iam:GetUser on its own ARN and all of S3, nothing else."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:GetUser", "Resource": f"{ARN}:user/{user}"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})


@dataclass(frozen=True)
class Names:
    """The values of the entity-naming flags: one set names entities that exist."""

    user: str
    group: str
    role: str
    profile: str
    certificate: str
    policy_arn: str
    oidc_arn: str
    saml_arn: str
    serial: str
    access_key: str
    alias: str
    bucket: str  # a resource with a stored resource-based policy (put-resource-policy)


FAKE_KEY = "AKIAZZZZZZZZZZZZZZZZ"
GHOST = Names("ghost-user", "ghost-group", "ghost-role", "ghost-profile", "ghost-cert",
              f"{ARN}:policy/ghost-policy", f"{ARN}:oidc-provider/ghost.example.com",
              f"{ARN}:saml-provider/Ghost", f"{ARN}:mfa/ghost-mfa", FAKE_KEY, "ghost-alias",
              "ghost-bucket")


@dataclass(frozen=True)
class Store:
    db: Path
    config: Path
    existing: Names
    attacker: tuple[str, str]  # its access key ID and secret
    admin: tuple[str, str]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One account holding an entity of every kind, an attacker with one narrow policy, and
    an administrator (AdministratorAccess): built once, only read by the tests (every call
    they make is refused or names nothing that exists)."""
    base = tmp_path_factory.mktemp("leak")
    config = base / "config"
    svc = IamService.initialize(base / "data" / "iamtui.json", root_password=ROOT_PASSWORD,
                                account_id=ACCOUNT_ID, alias="example", clock=FakeClock(),
                                keys_dir=config / "keys")
    root = svc.root_principal()
    try:
        svc.create_user(root, "alice", tags=[Tag("team", "blue")])
        svc.create_login_profile(root, "alice", "Correct-Horse-9!")
        alice_key = svc.create_access_key(root, "alice")
        svc.create_group(root, "devs")
        svc.create_role(root, "app", TRUST)
        svc.create_instance_profile(root, "web")
        svc.upload_server_certificate(root, "site", certificate(), private_key_pem(rsa_key()))
        policy = svc.create_policy(root, "pol", DOCUMENT)
        oidc = svc.create_open_id_connect_provider(root, "https://idp.example.com",
                                                   ["client"], ["a" * 40])
        saml = svc.create_saml_provider(root, "Corp", IdP().metadata())
        device = svc.create_virtual_mfa_device(root, "alice-mfa")
        svc.put_resource_policy(root, "arn:aws:s3:::corp-bucket", BUCKET_POLICY)
        svc.create_user(root, "mallory")
        svc.put_user_policy(root, "mallory", "narrow", narrow_policy("mallory"))
        attacker = svc.create_access_key(root, "mallory")
        svc.create_user(root, "admin")
        svc.attach_policy(root, "user", "admin", ADMIN)
        admin = svc.create_access_key(root, "admin")
    finally:
        svc.close()
    yield Store(svc.path, config,
                Names("alice", "devs", "app", "web", "site", policy.arn, oidc.arn, saml.arn,
                      device.device.serial_number, alice_key.key.access_key_id, "example",
                      "corp-bucket"),
                (attacker.key.access_key_id, attacker.secret_access_key),
                (admin.key.access_key_id, admin.secret_access_key))


# ------------------------------------------------------------------ the operation table

# Flags that name an entity: their value differs between the existing and the missing run.
ENTITY_FLAGS = {
    "--user-name": lambda n: n.user,
    "--group-name": lambda n: n.group,
    "--role-name": lambda n: n.role,
    "--instance-profile-name": lambda n: n.profile,
    "--server-certificate-name": lambda n: n.certificate,
    "--policy-arn": lambda n: n.policy_arn,
    "--open-id-connect-provider-arn": lambda n: n.oidc_arn,
    "--saml-provider-arn": lambda n: n.saml_arn,
    "--serial-number": lambda n: n.serial,
    "--access-key-id": lambda n: n.access_key,
    "--account-alias": lambda n: n.alias,
    "--role-arn": lambda n: f"{ARN}:role/{n.role}",
    "--policy-source-arn": lambda n: f"{ARN}:user/{n.user}",
    "--principal-arn": lambda n: f"{ARN}:user/{n.user}",
    "--arn": lambda n: f"{ARN}:user/{n.user}",
    "--resource-arn": lambda n: f"arn:aws:s3:::{n.bucket}",
    "--deletion-task-id": lambda n: (f"task/aws-service-role/elasticbeanstalk.amazonaws.com/"
                                     f"{n.role}/0b7c4b1e-7d3a-4a5e-9f60-2f1d8c9e1a00"),
    "--virtual-mfa-device-name": lambda n: n.serial.rsplit("/", 1)[1],
    "--name": lambda n: n.saml_arn.rsplit("/", 1)[1],
    "--policy-name": lambda n: n.policy_arn.rsplit("/", 1)[1],
}

# Required values that name nothing of the account (or name something under an entity the
# request is authorized on, which the caller reaches only once authorized).
OTHER_VALUES = {
    "--policy-document": DOCUMENT,
    "--assume-role-policy-document": TRUST,
    "--tags": "Key=k,Value=v",
    "--tag-keys": "k",
    "--client-id": "client",
    "--thumbprint-list": "b" * 40,
    "--jwks": jwks(jwt_key()),
    "--saml-metadata-document": IdP().metadata(),
    "--authentication-code1": "123456",
    "--authentication-code2": "234567",
    "--status": "Inactive",
    "--permissions-boundary": ADMIN,
    "--description": "d",
    "--encoding": "SSH",
    "--service-name": "codecommit.amazonaws.com",
    "--ssh-public-key-id": "APKAZZZZZZZZZZZZZZZZ",
    "--ssh-public-key-body": ssh_public_key(),
    "--certificate-id": "Z" * 24,
    "--certificate-body": certificate(),
    "--private-key": private_key_pem(rsa_key()),
    "--service-specific-credential-id": "ACCAZZZZZZZZZZZZZZZZ",
    "--version-id": "v1",
    "--role-session-name": "session",
    "--action-names": "iam:GetUser",
    "--service-namespaces": "iam",
    "--service-namespace": "iam",
    "--job-id": "0b7c4b1e-7d3a-4a5e-9f60-2f1d8c9e1a00",
    "--url": "https://idp.example.com",
    "--aws-service-name": "elasticbeanstalk.amazonaws.com",
}

# Commands that name an entity but are not checked here, and why.
NOT_HERE = {
    "assume-role-with-saml": "no caller: the SAML assertion and the trust policy decide",
    "assume-role-with-web-identity": "no caller: the token and the trust policy decide",
    "lookup-events": "--user-name filters the audit trail (cloudtrail:LookupEvents on *)",
    "wait": "polls Get* (checked here) until a state is reached",
    "summarize-policy": "reads through get-policy/list-*-policies (checked here)",
    "get-federation-token": "--name is the new federated user's, no entity of the account",
    "get-access-key-info": "sts:GetAccessKeyInfo on *, tested in test_service_sts",
    "simulate-custom-policy": "store-less: evaluates the policies given, reads no entity",
    "init": "creates a store: no caller, no account yet",
    "import-account-authorization-details": "root's bulk load (--map-account-id)",
}
# Commands whose runs would change the account for a caller allowed to make them: only the
# refused run (the attacker's) is made.
CREATES = {"create-user", "create-group", "create-role", "create-instance-profile",
           "upload-server-certificate", "create-policy", "create-saml-provider",
           "create-virtual-mfa-device", "create-account-alias", "create-login-profile",
           "create-access-key", "create-service-specific-credential",
           "upload-ssh-public-key", "upload-signing-certificate", "create-service-linked-role",
           "put-resource-policy", "create-open-id-connect-provider"}
# Flags one command needs beyond the above (an optional one it cannot run without).
COMMAND_VALUES: dict[str, dict[str, str]] = {
    "create-login-profile": {"--password": "Correct-Horse-9!"},
    "put-resource-policy": {"--policy-document": BUCKET_POLICY},
    "get-session-token": {"--token-code": "123456"},
    "assume-role": {"--token-code": "123456"},
    "test-web-identity": {"--claims": json.dumps({"iss": "https://idp.example.com",
                                                  "aud": "client", "sub": "someone"})},
}
ENTITY_FLAG_RE = re.compile(r"--[a-z0-9-]*(name|arn|-id|serial-number|alias)$")


def names_an_entity(name: str) -> bool:
    load_commands()
    return any(ENTITY_FLAG_RE.match(flag) for a in COMMANDS[name].arguments
               for flag in a.flags)


def checked_commands() -> list[str]:
    load_commands()
    return sorted(n for n in COMMANDS if names_an_entity(n) and n not in NOT_HERE)


def argv_for(name: str, names: Names) -> list[str]:
    """The command with every entity flag it takes and its other required flags."""
    argv = [name]
    for argument in COMMANDS[name].arguments:
        flag = argument.flags[0]
        if flag in ENTITY_FLAGS:
            argv += [flag, ENTITY_FLAGS[flag](names)]
        elif argument.options.get("required"):
            argv += [flag, OTHER_VALUES[flag]]
    for flag, value in COMMAND_VALUES.get(name, {}).items():
        argv = argv[:argv.index(flag)] + argv[argv.index(flag) + 2:] if flag in argv else argv
        argv += [flag, value]
    return argv


class Cli(CliRunner):
    """The CLI on the shared store, signed in with an access key pair."""

    def __init__(self, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        super().__init__(tmp_path, monkeypatch, capsys, db=store.db)
        monkeypatch.setenv("IAMTUI_CONFIG_DIR", str(store.config))

    def as_key(self, key: tuple[str, str], argv: list[str]) -> tuple[int, str, str]:
        self.monkeypatch.setenv("IAMTUI_ACCESS_KEY_ID", key[0])
        self.monkeypatch.setenv("IAMTUI_SECRET_ACCESS_KEY", key[1])
        return self.run(*argv)


@pytest.fixture
def cli(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(store, tmp_path, monkeypatch, capsys)


def error_code(err: str) -> str | None:
    found = re.match(r"An error occurred \((\w+)\) when calling", err)
    return found.group(1) if found else None


def test_every_command_naming_an_entity_is_covered() -> None:
    """Every command with a flag naming a user, role, group, policy, provider, device,
    key... is checked below, or listed in NOT_HERE with the reason; and every flag such a
    command requires has a value here."""
    load_commands()
    checked = checked_commands()
    assert len(checked) > 100
    missing = {(name, a.flags[0]) for name in checked for a in COMMANDS[name].arguments
               if a.options.get("required") and a.flags[0] not in ENTITY_FLAGS
               and a.flags[0] not in OTHER_VALUES}
    assert not missing, f"give these flags a value in OTHER_VALUES: {sorted(missing)}"
    assert set(NOT_HERE) <= set(COMMANDS)
    assert {"get-role", "delete-user", "attach-role-policy", "get-instance-profile",
            "list-role-sessions", "get-access-key-last-used"} <= set(checked)


@pytest.mark.parametrize("command", checked_commands())
def test_a_caller_not_allowed_learns_nothing_of_existence(cli: Cli, store: Store,
                                                          command: str) -> None:
    """"Troubleshoot access denied error messages" (IAM User Guide): a caller holding only
    iam:GetUser on itself and s3:* gets AccessDenied, exit 254, for every command, whether
    the entities it names exist or not."""
    answers = {}
    for label, names in (("existing", store.existing), ("missing", GHOST)):
        code, out, err = cli.as_key(store.attacker, argv_for(command, names))
        answers[label] = (code, error_code(err))
        assert out == ""
    assert answers == {"existing": (EXIT_SERVICE_ERROR, "AccessDenied"),
                       "missing": (EXIT_SERVICE_ERROR, "AccessDenied")}, answers


# What an authorized caller hears about missing entities, where it is not NoSuchEntity.
AUTHORIZED_ANSWERS = {
    "assume-role": "AccessDenied",  # a missing role trusts no one (test_service_sts)
    "delete-open-id-connect-provider": None,  # idempotent (IAM API Reference)
    "get-session-token": "AccessDenied",  # no such device of the caller's (STS API Reference)
    "find-privilege-escalation": None,  # a missing principal has no path to report
    "update-saml-provider": "NoSuchEntity",
}


@pytest.mark.parametrize("command", [c for c in checked_commands() if c not in CREATES])
def test_an_authorized_caller_still_learns_no_such_entity(cli: Cli, store: Store,
                                                         command: str) -> None:
    """An administrator (AdministratorAccess) naming entities that do not exist hears
    NoSuchEntity, as before: only who may make the request learns that."""
    code, _, err = cli.as_key(store.admin, argv_for(command, GHOST))
    expected = AUTHORIZED_ANSWERS.get(command, "NoSuchEntity")
    assert (code != 0, error_code(err)) == (expected is not None, expected), err


# ------------------------------------------------------------------ beyond the CLI

# The service's operations no command is named after (the TUI calls them; the commands
# bind them to one kind), each called with the names of an existing and a missing entity.
NOT_COMMANDS = {
    "attach_policy": lambda s, c, n: s.attach_policy(c, "role", n.role, ADMIN),
    "detach_policy": lambda s, c, n: s.detach_policy(c, "group", n.group, ADMIN),
    "list_attached_policies": lambda s, c, n: s.list_attached_policies(c, "user", n.user),
    "put_owner_policy": lambda s, c, n: s.put_owner_policy(c, "group", n.group, "p", DOCUMENT),
    "get_owner_policy": lambda s, c, n: s.get_owner_policy(c, "role", n.role, "p"),
    "delete_owner_policy": lambda s, c, n: s.delete_owner_policy(c, "user", n.user, "p"),
    "list_owner_policies": lambda s, c, n: s.list_owner_policies(c, "group", n.group),
    "set_owner_boundary": lambda s, c, n: s.set_owner_boundary(c, "role", n.role, ADMIN),
    "tag_owner": lambda s, c, n: s.tag_owner(c, "user", n.user, [Tag("k", "v")]),
    "untag_owner": lambda s, c, n: s.untag_owner(c, "role", n.role, ["k"]),
    "owner_tags": lambda s, c, n: s.owner_tags(c, "user", n.user),
    "let_user_change_password": lambda s, c, n: s.let_user_change_password(c, n.user),
    "subject_policies": lambda s, c, n: s.subject_policies(c, f"{ARN}:role/{n.role}"),
}
ENTITY_PARAMETER_RE = re.compile(r"(_name|_arn|serial_number|_id)$")


def test_every_operation_naming_an_entity_is_covered() -> None:
    """Each public operation of the service that takes a caller and names an entity is
    a command (checked above through the CLI) or is checked below."""
    load_commands()
    uncovered = []
    for name, function in inspect.getmembers(IamService, inspect.isfunction):
        parameters = list(inspect.signature(function).parameters)
        if name.startswith("_") or parameters[1:2] != ["caller"]:
            continue
        if any(ENTITY_PARAMETER_RE.search(p) for p in parameters[2:]) and \
                name.replace("_", "-") not in COMMANDS and name not in NOT_COMMANDS:
            uncovered.append(name)
    assert not uncovered, f"check these as NOT_COMMANDS does: {uncovered}"


@pytest.mark.parametrize("operation", sorted(NOT_COMMANDS))
def test_operations_beyond_the_cli_learn_nothing_of_existence(
        service: IamService, root: Principal, operation: str) -> None:
    """The same rule for the operations the TUI calls directly: AccessDenied whether the
    user, group or role exists or not, NoSuchEntity only for who may ask."""
    service.create_user(root, "alice")
    service.create_group(root, "devs")
    service.create_role(root, "app", TRUST)
    mallory = allow(service, root, "mallory", "s3:*", "*")
    existing = replace(GHOST, user="alice", group="devs", role="app")
    call = NOT_COMMANDS[operation]
    for names in (existing, GHOST):
        with pytest.raises(AccessDenied):
            call(service, mallory, names)
    with pytest.raises(NoSuchEntity):
        call(service, root, GHOST)


# ------------------------------------------------------------------ the service's semantics


def allow(service: IamService, root: Principal, user: str, action: str, resource: str,
          condition: dict[str, object] | None = None) -> Principal:
    statement: dict[str, object] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    service.create_user(root, user)
    service.put_user_policy(root, user, "p", json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]}))
    return Principal.for_user(service.get_user(root, user), ACCOUNT_ID)


def test_a_missing_entity_is_authorized_on_its_nominal_arn(service: IamService,
                                                           root: Principal) -> None:
    """"IAM JSON policy elements: Resource": a missing role's path is unknown, so the
    request is authorized on arn:aws:iam::ACCOUNT:role/NAME. A grant on role/* reaches it
    (NoSuchEntity); one on role/team/* does not (AccessDenied naming that ARN)."""
    service.create_role(root, "worker", TRUST, path="/team/")
    everywhere = allow(service, root, "ops", "iam:GetRole", f"{ARN}:role/*")
    team = allow(service, root, "lead", "iam:GetRole", f"{ARN}:role/team/*")
    with pytest.raises(NoSuchEntity, match="The role with name ghost cannot be found"):
        service.get_role(everywhere, "ghost")
    assert service.get_role(team, "worker").path == "/team/"
    with pytest.raises(AccessDenied) as denied:
        service.get_role(team, "ghost")
    assert denied.value.message.startswith(
        f"User: {ARN}:user/lead is not authorized to perform: iam:GetRole on resource: "
        f"{ARN}:role/ghost because no identity-based policy allows")


def test_resource_tag_conditions_do_not_match_a_missing_entity(service: IamService,
                                                               root: Principal) -> None:
    """IAM User Guide, "Condition operators": a key absent from the request (a missing
    user has no aws:ResourceTag/team) does not match StringEquals, so a grant limited to
    the blue team's users refuses a missing user as it refuses another team's."""
    service.create_user(root, "carol", tags=[Tag("team", "blue")])
    service.create_user(root, "dave", tags=[Tag("team", "red")])
    blue = allow(service, root, "blue-admin", "iam:ListUserTags", f"{ARN}:user/*",
                 {"StringEquals": {"aws:ResourceTag/team": "blue"}})
    assert service.list_user_tags(blue, "carol") == (Tag("team", "blue"),)
    for name in ("dave", "ghost"):
        with pytest.raises(AccessDenied):
            service.list_user_tags(blue, name)


def test_the_request_s_own_condition_keys_still_count_for_a_missing_entity(
        service: IamService, root: Principal) -> None:
    """Service Authorization Reference: iam:PolicyARN (AttachRolePolicy) and
    aws:RequestTag/* (TagUser) come from the request, not from the entity, so they are
    present for a missing one too: a grant conditioned on them reaches it (NoSuchEntity)
    when they match and is refused (AccessDenied) when they do not."""
    readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    attacher = allow(service, root, "attacher", "iam:AttachRolePolicy", f"{ARN}:role/*",
                     {"ArnEquals": {"iam:PolicyARN": readonly}})
    with pytest.raises(NoSuchEntity):
        service.attach_role_policy(attacher, "ghost", readonly)
    with pytest.raises(AccessDenied):
        service.attach_role_policy(attacher, "ghost", ADMIN)
    tagger = allow(service, root, "tagger", "iam:TagUser", f"{ARN}:user/*",
                   {"StringEquals": {"aws:RequestTag/team": "blue"}})
    with pytest.raises(NoSuchEntity):
        service.tag_user(tagger, "ghost", [Tag("team", "blue")])
    with pytest.raises(AccessDenied):
        service.tag_user(tagger, "ghost", [Tag("team", "red")])


def test_the_denial_of_a_missing_entity_is_audited_as_any_denial(service: IamService,
                                                                 root: Principal) -> None:
    """CloudTrail records a refused call with errorCode AccessDenied: a read as readOnly,
    a write not; the missing entity's denial is recorded exactly as the existing one's."""
    service.create_user(root, "alice")
    service.create_role(root, "app", TRUST)
    mallory = allow(service, root, "mallory", "s3:*", "*")

    def denied_event(call: object) -> dict[str, object]:
        with pytest.raises(AccessDenied):
            call()  # type: ignore[operator]
        event = next(iter(service.audit.lookup_events()))
        return {k: event.get(k) for k in ("eventName", "errorCode", "readOnly",
                                          "requestParameters")}

    for existing, missing in (
            (lambda: service.get_role(mallory, "app"),
             lambda: service.get_role(mallory, "ghost")),
            (lambda: service.delete_user(mallory, "alice"),
             lambda: service.delete_user(mallory, "ghost"))):
        seen, unseen = denied_event(existing), denied_event(missing)
        assert seen["errorCode"] == unseen["errorCode"] == "AccessDenied"
        assert seen["readOnly"] == unseen["readOnly"]
        assert seen["eventName"] == unseen["eventName"]


def test_an_allowed_write_on_a_missing_entity_is_audited_with_its_failure(
        service: IamService, root: Principal) -> None:
    """CloudTrail records failed write calls with their errorCode (CloudTrail User Guide,
    "CloudTrail record contents": errorCode, errorMessage); iamtui audits every failed
    change, and one that fails because its entity is missing is no exception. A read that
    finds nothing stays unrecorded, as other failed reads are."""
    admin = allow(service, root, "admin", "iam:*", "*")
    before = len(list(service.audit.lookup_events()))
    with pytest.raises(NoSuchEntity):
        service.delete_user(admin, "ghost")
    event = next(iter(service.audit.lookup_events()))
    assert (event["eventName"], event["errorCode"], event["readOnly"]) == \
        ("DeleteUser", "NoSuchEntity", False)
    assert event["requestParameters"]["userName"] == "ghost"
    with pytest.raises(NoSuchEntity):
        service.get_role(admin, "ghost")
    assert len(list(service.audit.lookup_events())) == before + 1


def test_renaming_onto_a_taken_name_is_authorized_first(service: IamService,
                                                        root: Principal) -> None:
    """IAM API Reference, UpdateUser/UpdateGroup: the caller needs the permission on the
    new name too; without it the answer is AccessDenied, not EntityAlreadyExists, so a
    rename cannot probe which names are taken."""
    service.create_user(root, "alice")
    service.create_user(root, "bob")
    service.create_group(root, "devs")
    service.create_group(root, "ops")
    renamer = allow(service, root, "renamer", "iam:UpdateUser", f"{ARN}:user/alice")
    for new in ("bob", "carol"):  # taken, free
        with pytest.raises(AccessDenied):
            service.update_user(renamer, "alice", new_user_name=new)
    group_renamer = allow(service, root, "group-renamer", "iam:UpdateGroup", f"{ARN}:group/devs")
    for new in ("ops", "free"):  # taken, free
        with pytest.raises(AccessDenied):
            service.update_group(group_renamer, "devs", new_group_name=new)


def test_requiring_a_new_password_does_not_probe_users(service: IamService,
                                                       root: Principal) -> None:
    """The console's "require a new password" (AttachUserPolicy of IAMUserChangePassword,
    IAM User Guide, "Permit IAM users to change their own passwords") is refused for a
    missing user as for an existing one; an authorized caller hears NoSuchEntity."""
    service.create_user(root, "alice")
    mallory = allow(service, root, "mallory", "s3:*", "*")
    for name in ("alice", "ghost"):
        with pytest.raises(AccessDenied):
            service.let_user_change_password(mallory, name)
    with pytest.raises(NoSuchEntity):
        service.let_user_change_password(root, "ghost")


# ------------------------------------------------------------------ sign-in


@pytest.fixture
def alice(service: IamService, root: Principal) -> str:
    service.create_user(root, "alice")
    service.create_login_profile(root, "alice", "Correct-Horse-9!")
    service.create_user(root, "bob")  # a user without a console password
    return "alice"


@pytest.mark.parametrize(("account", "user", "password"), [
    ("example", "alice", "Wrong-Passw0rd!"),  # a wrong password
    ("example", "mallory", "Wrong-Passw0rd!"),  # no such user
    ("example", "bob", "Wrong-Passw0rd!"),  # a user with no login profile
    ("999999999999", "alice", "Correct-Horse-9!"),  # another account
])
def test_console_sign_in_fails_alike_for_unknown_and_wrong(
        service: IamService, alice: str, monkeypatch: pytest.MonkeyPatch,
        account: str, user: str, password: str) -> None:
    """AWS's console answers "Your authentication information is incorrect" whatever was
    wrong; and every failure verifies one Argon2 hash (a dummy one when there is no user
    to check), so that the work done does not tell either."""
    verified: list[str] = []
    real_verify, real_dummy = signin_module.verify_password, signin_module.dummy_verify
    monkeypatch.setattr(signin_module, "verify_password",
                        lambda h, pw: verified.append("real") or real_verify(h, pw))
    monkeypatch.setattr(signin_module, "dummy_verify",
                        lambda pw: verified.append("dummy") or real_dummy(pw))
    with pytest.raises(SignInFailed) as failed:
        service.sign_in(account, user, password)
    assert (type(failed.value), failed.value.code, failed.value.message) == (
        SignInFailed, SignInFailed.code, GENERIC_FAILURE)
    assert len(verified) == 1
    assert verified == (["real"] if user == "alice" and account == "example" else ["dummy"])

