"""Changes an attacker could make, or try, without leaving a trace in the audit trail.

DESIGN.md: "every IamService operation ... A denied operation changes nothing and is
audited"; AWS records management events, refused ones with their errorCode (CloudTrail
User Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail").
"""

from __future__ import annotations

import pytest
from helpers import ACCOUNT_ID

from iamtui.errors import AccessDenied
from iamtui.service import IamService, Principal


def test_enabling_serving_is_audited(service: IamService, root: Principal) -> None:
    """Enabling `iamtui serve` changes what the store keeps (it starts sealing secrets it
    can recover): done by root, it is recorded; tried by a user, the refusal is."""
    user = Principal.for_user(service.create_user(root, "mallory"), ACCOUNT_ID)
    with pytest.raises(AccessDenied):
        service.enable_serving(user)
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("EnableServing", "AccessDenied")
    assert last["userIdentity"]["arn"] == user.arn
    assert not service.serving_enabled()
    assert service.enable_serving(root)
    last = service.audit.page(0, 1)[0]
    assert last["eventName"] == "EnableServing" and "errorCode" not in last
    assert service.serving_enabled()
