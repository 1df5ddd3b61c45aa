"""ListServiceSpecificCredentials --all-users lists every user's credentials: it is that
listing for each of them, and AWS authorizes ListServiceSpecificCredentials on the user
(Service Authorization Reference, resource type user). A Deny on one user's ARN keeps
that user's credentials out of the caller's reach; all-users must not read them anyway.
"""

from __future__ import annotations

import json

import pytest
from helpers import ACCOUNT_ID

from iamtui.errors import AccessDenied
from iamtui.service import IamService, Principal


def test_all_users_is_refused_when_one_user_may_not_be_read(service: IamService,
                                                            root: Principal) -> None:
    boss = service.create_user(root, "boss")
    service.create_service_specific_credential(root, "boss", "codecommit.amazonaws.com")
    user = service.create_user(root, "mallory")
    service.put_user_policy(root, "mallory", "ops", json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:ListServiceSpecificCredentials",
             "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:ListServiceSpecificCredentials",
             "Resource": boss.arn}]}))
    mallory = Principal.for_user(user, ACCOUNT_ID)
    with pytest.raises(AccessDenied, match=f"on resource: {boss.arn}"):
        service.list_service_specific_credentials(mallory, "boss")
    with pytest.raises(AccessDenied, match="on every user of the account") as refused:
        service.list_service_specific_credentials(mallory, all_users=True)
    assert "boss" not in refused.value.message  # nor does it name the one refused
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("ListServiceSpecificCredentials",
                                                      "AccessDenied")
