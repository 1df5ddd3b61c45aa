"""ServiceCore plumbing: root authentication and what its audit events keep."""

from __future__ import annotations

import pytest
from helpers import ROOT_PASSWORD

from iamtui.errors import SignInFailed
from iamtui.service import IamService


@pytest.mark.parametrize("wrong", ["e", "Sup3r", "x" * 200])
def test_wrong_root_password_is_refused_and_audited_intact(service: IamService,
                                                           wrong: str) -> None:
    """A mistyped root password of any length fails cleanly; the record stays readable
    and never holds what was typed (a 1-letter guess must not mangle field names)."""
    with pytest.raises(SignInFailed):
        service.authenticate_root(wrong)
    record = service.audit.page(0, 1)[0]
    assert record["eventName"] == "ConsoleLogin" and record["errorCode"] == "SignInFailed"
    assert service.audit.verify().ok
    if len(wrong) >= 4:
        assert wrong not in service.audit.path.read_text()


def test_right_root_password(service: IamService) -> None:
    assert service.authenticate_root(ROOT_PASSWORD).is_root
