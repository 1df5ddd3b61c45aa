"""Existence does not leak through `iamtui serve` either: the HTTP front end answers with
the service's decision (see test_existence_leak for the rule and its sources: IAM User
Guide, "Troubleshoot access denied error messages")."""

from __future__ import annotations

import pytest
from test_existence_leak import ADMIN, TRUST, narrow_policy
from test_serve import (
    Endpoint,
    client,
    endpoint,  # noqa: F401  (the served store, a fixture)
)


def test_over_http_a_missing_role_is_refused_like_an_existing_one(
        request: pytest.FixtureRequest) -> None:
    """The same through `iamtui serve` with boto3: AccessDenied (HTTP 403) for GetRole,
    DeleteUser and AttachRolePolicy on an existing and a missing entity alike; the
    administrator still hears NoSuchEntity (HTTP 404)."""
    served: Endpoint = request.getfixturevalue("endpoint")
    svc, root = served.service, served.root
    svc.create_role(root, "app", TRUST)
    svc.create_user(root, "alice")
    svc.create_user(root, "mallory")
    svc.put_user_policy(root, "mallory", "narrow", narrow_policy("mallory"))
    key = svc.create_access_key(root, "mallory")
    attacker = client(served, key_id=key.key.access_key_id, secret=key.secret_access_key)
    admin = client(served)
    ClientError = attacker.exceptions.ClientError  # boto3's own botocore (see test_serve)
    calls = (lambda iam, role, user: iam.get_role(RoleName=role),
             lambda iam, role, user: iam.delete_user(UserName=user),
             lambda iam, role, user: iam.attach_role_policy(RoleName=role, PolicyArn=ADMIN))
    for call in calls:
        answers = []
        for role, user in (("app", "alice"), ("ghost-role", "ghost-user")):
            with pytest.raises(ClientError) as refused:
                call(attacker, role, user)
            answers.append((refused.value.response["Error"]["Code"],
                            refused.value.response["ResponseMetadata"]["HTTPStatusCode"]))
        assert answers == [("AccessDenied", 403)] * 2
        with pytest.raises(ClientError) as missing:
            call(admin, "ghost-role", "ghost-user")
        assert missing.value.response["Error"]["Code"] == "NoSuchEntity"
