"""security-status names the users without MFA, the access key IDs to rotate, the unused
credentials and the administrators: the credential report's content and every
principal's policies. AWS gives those only to a caller allowed iam:GetCredentialReport
and iam:GetAccountAuthorizationDetails (Service Authorization Reference; IAM User Guide,
"Getting credential reports"); iam:GetAccountSummary alone gives counts.
"""

from __future__ import annotations

import json

import pytest
from helpers import ACCOUNT_ID

from iamtui.errors import AccessDenied
from iamtui.service import IamService, Principal


@pytest.mark.parametrize("missing", ["iam:GetCredentialReport",
                                     "iam:GetAccountAuthorizationDetails"])
def test_account_summary_alone_does_not_read_the_status(service: IamService, root: Principal,
                                                        missing: str) -> None:
    service.create_user(root, "boss")
    service.create_access_key(root, "boss")
    user = service.create_user(root, "mallory")
    allowed = {"iam:GetAccountSummary", "iam:GetCredentialReport",
               "iam:GetAccountAuthorizationDetails"} - {missing}
    service.put_user_policy(root, "mallory", "ops", json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": sorted(allowed), "Resource": "*"}]}))
    mallory = Principal.for_user(user, ACCOUNT_ID)
    with pytest.raises(AccessDenied, match=missing):
        service.security_status(mallory)
    last = service.audit.page(0, 1)[0]
    assert last["errorCode"] == "AccessDenied"
