"""Switch role, as the AWS console's account menu has it: the signed-in IAM user assumes a
role (STS AssumeRole, authorized by the engine: the role's trust policy and, unless it
names the user, the user's own policies), and the app then acts as the role session.

IAM User Guide, "Switch from a user to an IAM role (console)": the role is named by
account and role name; the session is the user's name; MFA carries over from the
sign-in. A trust policy that asks for aws:MultiFactorAuthPresent needs MFA: a user who
signed in without it gives a code from their device here (AssumeRole's SerialNumber and
TokenCode, STS API Reference).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from iamtui.errors import AccessDenied, InvalidInput
from iamtui.screens.modals import Field, FormModal
from iamtui.service import IamService, Principal
from iamtui.service.sts import DEFAULT_DURATION_SECONDS, AssumeRoleResult


def role_arn_of(service: IamService, role: str) -> str:
    """The ARN of `role`: an ARN as given, else a role name (with its path, `team/Admin`)
    in this account."""
    role = role.strip()
    return role if role.startswith("arn:") else \
        f"arn:aws:iam::{service.account_id}:role/{role.lstrip('/')}"


def assume_as_user(service: IamService, user: Principal, values: dict[str, str]
                   ) -> AssumeRoleResult:
    """AssumeRole as `user` with the form's values; an MFA code goes with the user's own
    enabled device (ListMFADevices, which the user needs)."""
    duration = values.get("duration", "").strip() or str(DEFAULT_DURATION_SECONDS)
    if not duration.isascii() or not duration.isdigit():
        raise InvalidInput(f"Duration must be a number of seconds, not {duration!r}.")
    code = values.get("mfa", "").strip() or None
    serial = None
    if code is not None:
        devices = service.list_mfa_devices(user)
        if not devices:
            raise InvalidInput("No MFA device is assigned to you: assign one under My "
                               "security credentials, sign in with it, then switch role.")
        serial = devices[0].serial_number
    try:
        return service.assume_role(user, role_arn_of(service, values["role"]),
                                   values["session"], duration_seconds=int(duration),
                                   serial_number=serial, token_code=code)
    except AccessDenied as error:
        if code is None and user.mfa_authenticated_at is None:
            raise AccessDenied(f"{error.message}. If the role's trust policy requires MFA, "
                               "enter a code from your authenticator.") from None
        raise


def open_switch_role(app: App[Any], service: IamService, user: Principal,
                     switched: Callable[[AssumeRoleResult], object]) -> None:
    """Open the "Switch role" form; on success `switched` gets AssumeRole's result (the
    form keeps a refusal on screen, with AWS's code and message)."""
    assumed: list[AssumeRoleResult] = []

    def apply(values: dict[str, str]) -> None:
        assumed.append(assume_as_user(service, user, values))

    def done(values: dict[str, str] | None) -> None:
        if values and assumed:
            switched(assumed[-1])

    # one line of note at most: at 24 rows every field stays in view
    carried = "Your sign-in's MFA carries over to the role." if user.mfa_authenticated_at \
        else ""
    modal = FormModal(
        f"Switch role (as user {user.name})",
        [Field("role", "Role name or ARN", placeholder="Admin or team/Admin"),
         Field("session", "Session name", user.name),
         Field("duration", "Duration in seconds", str(DEFAULT_DURATION_SECONDS)),
         Field("mfa", "MFA code, if the role's trust policy requires MFA",
               placeholder="6 digits", required=False)],
        submit="Switch role", apply=apply,
        note=carried)
    app.push_screen(modal, done)
