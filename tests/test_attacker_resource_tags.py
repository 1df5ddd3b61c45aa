"""An attacker against a tag-protected user: every request on a user is authorized with
the user's tags as aws:ResourceTag/<key>, not only the requests that happened to pass them.

IAM User Guide, "Controlling access to and for IAM users and roles using tags": a user or
role is a resource whose tags a policy reads with aws:ResourceTag/<key> (its example allows
listing a user's groups only when the user's project tag matches the caller's); the
Service Authorization Reference lists aws:ResourceTag/${TagKey} for the user resource type,
so it applies to every action on a user (CreateAccessKey, CreateLoginProfile, DeleteUser...).
Without it, a Deny that guards tagged users never matches, and a caller it should stop
takes the user over (a new access key or console password for an administrator).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from helpers import ACCOUNT_ID

from iamtui.errors import AccessDenied, EntityAlreadyExists
from iamtui.model import Tag
from iamtui.service import IamService, Principal
from iamtui.service.tables import ACCESS_KEYS, LOGIN_PROFILES, USERS

PASSWORD = "Correct-Horse-9-battery"


def allowed_except_protected(action: str) -> str:
    """A policy allowing `action` on everything except what is tagged protected=true."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": "*"},
        {"Effect": "Deny", "Action": action, "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/protected": "true"}}}]})


def mallory(service: IamService, root: Principal) -> Principal:
    """Allowed all of IAM, except on anything tagged protected=true."""
    user = service.create_user(root, "mallory")
    service.put_user_policy(root, "mallory", "ops", allowed_except_protected("iam:*"))
    return Principal.for_user(user, ACCOUNT_ID)


REQUESTS: dict[str, Callable[[IamService, Principal], object]] = {
    "CreateAccessKey": lambda s, p: s.create_access_key(p, "boss"),
    "CreateLoginProfile": lambda s, p: s.create_login_profile(p, "boss", PASSWORD),
    "GetUser": lambda s, p: s.get_user(p, "boss"),
    "UpdateUser": lambda s, p: s.update_user(p, "boss", new_path="/moved/"),
    "DeleteUser": lambda s, p: s.delete_user(p, "boss", cascade=True),
    "ListAccessKeys": lambda s, p: s.list_access_keys(p, "boss"),
}


@pytest.mark.parametrize("event", sorted(REQUESTS))
def test_a_deny_on_the_users_tag_stops_every_request_on_it(
        service: IamService, root: Principal, event: str) -> None:
    """Each request on the tagged user is refused and audited, and changes nothing."""
    boss = service.create_user(root, "boss", tags=[Tag("protected", "true")])
    attacker = mallory(service, root)
    with pytest.raises(AccessDenied, match=f"iam:{event} on resource: {boss.arn}"):
        REQUESTS[event](service, attacker)
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == (event, "AccessDenied")
    view = service.store.snapshot()
    assert USERS.find_one(view, "name", "boss") == boss
    assert ACCESS_KEYS.find_by(view, "user", "boss") == []
    assert LOGIN_PROFILES.get(view, "boss") is None


def test_an_untagged_user_is_not_protected(service: IamService, root: Principal) -> None:
    """The same policy lets mallory act on a user without the tag."""
    service.create_user(root, "intern")
    attacker = mallory(service, root)
    assert service.create_access_key(attacker, "intern").key.user_name == "intern"


def test_a_deny_on_the_roles_tag_stops_assume_role(service: IamService,
                                                   root: Principal) -> None:
    """sts:AssumeRole is on the role resource, whose tags it carries as well ("Controlling
    access to and for IAM users and roles using tags"): a role its trust policy lets the
    whole account assume stays out of reach of a caller denied tagged roles."""
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
        "Action": "sts:AssumeRole"}]})
    admin = service.create_role(root, "admin", trust, tags=[Tag("protected", "true")])
    user = service.create_user(root, "dev")
    service.put_user_policy(root, "dev", "ops", allowed_except_protected("sts:AssumeRole"))
    with pytest.raises(AccessDenied, match=f"sts:AssumeRole on resource: {admin.arn}"):
        service.assume_role(Principal.for_user(user, ACCOUNT_ID), admin.arn, "sess")
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("AssumeRole", "AccessDenied")


def test_other_tagged_iam_resources_carry_their_tags(service: IamService,
                                                     root: Principal) -> None:
    """The same holds for the other taggable IAM resources ("Tagging IAM resources": server
    certificates and virtual MFA devices take tags, and aws:ResourceTag controls access to
    them): deleting a protected one is refused."""
    from test_service_server_certificates import BODY, KEY

    cert = service.upload_server_certificate(root, "web", BODY, KEY,
                                             tags=[Tag("protected", "true")])
    device = service.create_virtual_mfa_device(root, "spare", tags=[Tag("protected", "true")])
    attacker = mallory(service, root)
    serial = device.device.serial_number
    with pytest.raises(AccessDenied, match=f"iam:DeleteServerCertificate on resource: "
                       f"{cert.arn}"):
        service.delete_server_certificate(attacker, "web")
    with pytest.raises(AccessDenied, match=f"iam:DeleteVirtualMFADevice on resource: "
                       f"{serial}"):
        service.delete_virtual_mfa_device(attacker, serial)
    assert service.get_server_certificate(root, "web").arn == cert.arn


def iam_resource_tag_guard(action: str) -> str:
    """Like allowed_except_protected, the Deny written with iam:ResourceTag/<key>."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": "*"},
        {"Effect": "Deny", "Action": action, "Resource": "*",
         "Condition": {"StringEquals": {"iam:ResourceTag/protected": "true"}}}]})


@pytest.mark.parametrize("event", sorted(REQUESTS))
def test_a_deny_written_with_iam_resource_tag_guards_the_user_as_well(
        service: IamService, root: Principal, event: str) -> None:
    """The Service Authorization Reference lists iam:ResourceTag/${TagKey} beside
    aws:ResourceTag for the user and role resource types, and the IAM User Guide's example
    "IAM: Add a specific tag to a user with a specific tag" conditions on
    iam:ResourceTag/JobFunction: a Deny written that way must stop every request too."""
    boss = service.create_user(root, "boss", tags=[Tag("protected", "true")])
    user = service.create_user(root, "eve")
    service.put_user_policy(root, "eve", "ops", iam_resource_tag_guard("iam:*"))
    with pytest.raises(AccessDenied, match=f"iam:{event} on resource: {boss.arn}"):
        REQUESTS[event](service, Principal.for_user(user, ACCOUNT_ID))
    assert USERS.find_one(service.store.snapshot(), "name", "boss") == boss


def test_iam_resource_tag_is_only_for_users_and_roles(service: IamService,
                                                      root: Principal) -> None:
    """A server certificate carries aws:ResourceTag only (its resource type lists no
    iam:ResourceTag): a Deny on iam:ResourceTag does not reach it."""
    from test_service_server_certificates import BODY, KEY

    service.upload_server_certificate(root, "web", BODY, KEY, tags=[Tag("protected", "true")])
    user = service.create_user(root, "eve")
    service.put_user_policy(root, "eve", "ops",
                            iam_resource_tag_guard("iam:DeleteServerCertificate"))
    service.delete_server_certificate(Principal.for_user(user, ACCOUNT_ID), "web")
    with pytest.raises(Exception, match="web"):
        service.get_server_certificate(root, "web")


# ---------------------------------------------------------------- tags set on creation

def only(*actions: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})


CREATES: dict[str, tuple[str, Callable[[IamService, Principal, list[Tag]], object]]] = {
    "CreateUser": ("TagUser", lambda s, p, t: s.create_user(p, "new", tags=t)),
    "CreateRole": ("TagRole", lambda s, p, t: s.create_role(p, "new", json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}), tags=t)),
    "CreatePolicy": ("TagPolicy", lambda s, p, t: s.create_policy(p, "new", only("s3:*"),
                                                                 tags=t)),
    "CreateInstanceProfile": ("TagInstanceProfile",
                              lambda s, p, t: s.create_instance_profile(p, "new", tags=t)),
    "CreateVirtualMFADevice": ("TagMFADevice",
                               lambda s, p, t: s.create_virtual_mfa_device(p, "new", tags=t)),
}


@pytest.mark.parametrize("event", sorted(CREATES))
def test_creating_with_tags_needs_the_tag_action(service: IamService, root: Principal,
                                                 event: str) -> None:
    """IAM User Guide, "IAM: Create new users only with specific tags": the policy that lets
    users be created with tags grants iam:CreateUser *and* iam:TagUser. A caller allowed
    only the Create* action cannot set tags that ABAC grants rest on (a role tagged
    team=admins, say): refused and audited, nothing made; without tags it may create."""
    tag_action, create = CREATES[event]
    user = service.create_user(root, "maker")
    service.put_user_policy(root, "maker", "ops", only(f"iam:{event}"))
    maker = Principal.for_user(user, ACCOUNT_ID)
    with pytest.raises(AccessDenied, match=f"iam:{tag_action} on resource"):
        create(service, maker, [Tag("team", "admins")])
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == (event, "AccessDenied")
    create(service, maker, [])  # the same request without tags is allowed

    service.put_user_policy(root, "maker", "ops", only(f"iam:{event}", f"iam:{tag_action}"))
    with pytest.raises(EntityAlreadyExists):
        create(service, maker, [Tag("team", "admins")])  # authorized: on to the name clash
