"""who-can reads every user's and role's policies: it is SimulatePrincipalPolicy on each
of them, and AWS authorizes SimulatePrincipalPolicy on the principal it simulates
(Service Authorization Reference: SimulatePrincipalPolicy, resource types user, group,
role). A caller allowed it on "*" but denied it on one role must not learn through who-can
what that role may do, nor which of its statements allows it.
"""

from __future__ import annotations

import json

import pytest
from helpers import ACCOUNT_ID

from iamtui.errors import AccessDenied
from iamtui.service import IamService, Principal

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
S3 = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "Secret", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})


def test_who_can_is_refused_when_a_principal_may_not_be_simulated(
        service: IamService, root: Principal) -> None:
    secret = service.create_role(root, "secret", TRUST)
    service.put_role_policy(root, "secret", "s3", S3)
    user = service.create_user(root, "mallory")
    service.put_user_policy(root, "mallory", "ops", json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:SimulatePrincipalPolicy", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:SimulatePrincipalPolicy",
             "Resource": secret.arn}]}))
    mallory = Principal.for_user(user, ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="iam:SimulatePrincipalPolicy on every user and "
                       "role") as refused:
        service.who_can(mallory, "s3:GetObject", "arn:aws:s3:::bucket/key")
    assert "secret" not in refused.value.message  # nor does it name the one refused
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("SimulatePrincipalPolicy",
                                                      "AccessDenied")
    with pytest.raises(AccessDenied):  # as the same question asked of the role alone
        service.subject_policies(mallory, secret.arn)
    service.delete_role_policy(root, "secret", "s3")
    service.delete_role(root, "secret")
    assert [e.name for e in service.who_can(mallory, "iam:SimulatePrincipalPolicy")] \
        == ["mallory"]
