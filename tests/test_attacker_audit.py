"""Changes an attacker could make, or try, without leaving a trace in the audit trail.

DESIGN.md: "every IamService operation ... A denied operation changes nothing and is
audited"; AWS records management events, refused ones with their errorCode (CloudTrail
User Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail").
"""

from __future__ import annotations

import json

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


def test_a_new_password_at_sign_in_is_audited_as_a_change(service: IamService,
                                                          root: Principal) -> None:
    """A password changed at a forced reset is a change of a credential: the console makes
    it with ChangePassword (it needs iam:ChangePassword, IAM User Guide "Permit IAM users
    to change their own password"), recorded after the sign-in, without the passwords."""
    from iamtui.security.passwords import PasswordPolicy

    service.create_user(root, "carol")
    service.create_login_profile(root, "carol", "Corr3ct-Horse!", password_reset_required=True)
    service.update_account_password_policy(root, PasswordPolicy(
        allow_users_to_change_password=True))
    service.sign_in("example", "carol", "Corr3ct-Horse!", new_password="Batt3ry-Staple!")
    events = service.audit.page(0, 2)[::-1]
    assert [(e["eventName"], e.get("errorCode")) for e in events] == [
        ("ConsoleLogin", None), ("ChangePassword", None)]
    assert events[1]["userIdentity"]["userName"] == "carol"
    assert "Batt3ry" not in json.dumps(events) and "Corr3ct" not in json.dumps(events)
