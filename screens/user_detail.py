"""One user, in tabs: summary, permissions, groups, security credentials, tags, activity."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Footer, Static, TabbedContent, TabPane

from iamtui.audit import is_failure
from iamtui.errors import IamError, InvalidInput, NoSuchEntity
from iamtui.screens import user_credentials as other
from iamtui.screens.kinds.named import edit_named
from iamtui.screens.mfa_enroll import (
    MfaEnrollModal,
    deactivate_device,
    enroll_done,
    resync_device,
)
from iamtui.screens.modals import Field, FormModal, SecretModal
from iamtui.screens.navigation import OpenEntity
from iamtui.screens.ops import Failed, run_op
from iamtui.screens.session import session_of
from iamtui.screens.tags_screen import TagsScreen
from iamtui.screens.widgets.access_advisor import access_advisor_tab
from iamtui.screens.widgets.detail_pane import DetailPane, TagsPane
from iamtui.screens.widgets.detail_screen import DetailScreen, header
from iamtui.screens.widgets.escalation import escalation_tab
from iamtui.screens.widgets.permissions import PermissionsPane
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.policy_summary import OwnerPolicySummary
from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row
from iamtui.security.passwords import UNTIL_UNLOCKED


def edit_user(section: Any, arn: str) -> None:
    """UpdateUser from the users table: rename or move; keys, groups and policies follow."""
    name = arn.rsplit("/", 1)[-1]
    path = arn.split(":user", 1)[1][: -len(name)] or "/"
    service, _ = session_of(section)
    edit_named(section, "user", name, path, service.update_user,
               note="Access keys, groups, policies and MFA devices follow the user.")


def activity_row(event: dict[str, Any]) -> Row:
    """One LookupEvents item as (time, event, who, result)."""
    record = json.loads(event["CloudTrailEvent"])
    result = record.get("errorCode") or ("Failure" if is_failure(record) else "Success")
    return Row(event["EventId"], (event["EventTime"].replace("T", " ")[:19],
                                  event["EventName"], event.get("Username", "-"), result))


def _date(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "Never"


class UserGroupsPane(DetailPane):
    """The groups a user is in: `a` add to a group (picker), `d` remove, `enter` open."""

    columns = (Column("group", "Group name", 40), Column("path", "Path", 20),
               Column("arn", "ARN", 90))
    empty_text = "In no group. Press a to add the user to one."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="user_groups.add"),
        Binding("d", "remove", "Remove", id="user_groups.remove")]

    def __init__(self, user_name: str, trail: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user_name, self.trail = user_name, trail

    def load(self) -> list[Row]:
        service, principal = session_of(self)
        return [Row(g.group_name, (g.group_name, g.path, g.arn))
                for g in service.list_groups_for_user(principal, self.user_name)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.current is not None if action == "remove" else True

    def action_add(self) -> None:
        service, principal = session_of(self)
        groups = run_op(self, service.list_groups, principal)
        if isinstance(groups, Failed):
            return
        member_of = {r.key for r in self.table.rows}
        rows = [Row(g.group_name, (g.group_name, g.path)) for g in groups
                if g.group_name not in member_of]

        def done(group: str | None) -> None:
            if group:
                self.op(service.add_user_to_group, group, self.user_name,
                        success=f"Added {self.user_name} to {group}")
        self.app.push_screen(PickerModal(
            f"Add {self.user_name} to a group",
            (Column("group", "Group name", 40), Column("path", "Path", 30)), rows,
            empty_text="No other groups. Create one in the Groups section."), done)

    def action_remove(self) -> None:
        group = self.current
        if group is None:
            return
        service, _ = session_of(self)
        self.confirm(f"Remove {self.user_name} from group {group}?",
                     lambda: self.op(service.remove_user_from_group, group, self.user_name,
                                     success=f"Removed {self.user_name} from {group}"),
                     verb="Remove")

    def on_resource_table_activated(self, event: ResourceTable.Activated) -> None:
        self.post_message(OpenEntity("group", event.key, trail=self.trail, on_close=self.reload))


class CredentialsPane(DetailPane):
    """Console password, MFA devices, access keys, and the console's other sections: SSH
    public keys and HTTPS Git credentials for CodeCommit, Keyspaces credentials, X.509
    signing certificates (see user_credentials.py).

    `p` sets or resets the console password, `u` lifts a sign-in lockout, `m` assigns a
    virtual MFA device (QR code and two codes), `c` creates an access key (its secret is
    shown once), `t` makes the key under the cursor active or inactive, `x` resyncs the
    MFA device under the cursor, `l` opens its tags, and `d` removes what is under the
    cursor: a key, the console password, or an MFA device (deactivated and deleted). `i`
    uploads an SSH public key, `w` (`W`) generates Git (Keyspaces) credentials whose
    password is shown once, `r` resets such a password, `v` uploads a signing certificate;
    `t` and `d` work on those too.
    """

    columns = (Column("credential", "Credential", 20), Column("id", "ID", 24),
               Column("status", "Status", 22), Column("created", "Created", 22),
               Column("used", "Last used", 22))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "password", "Password", id="credentials.password"),
        Binding("c", "create_key", "New key", id="credentials.new_key"),
        Binding("t", "toggle_key", "On/off", id="credentials.on_off"),
        Binding("d", "remove", "Delete", id="credentials.delete"),
        Binding("u", "unlock", "Unlock", id="credentials.unlock"),
        Binding("m", "assign_mfa", "Assign MFA", id="credentials.assign_mfa"),
        Binding("x", "resync_mfa", "Resync MFA", id="credentials.resync_mfa"),
        Binding("i", "upload_ssh", "SSH key", id="credentials.upload_ssh_key"),
        Binding("w", "git_credentials", "Git creds", id="credentials.git_credentials"),
        Binding("W", "keyspaces_credentials", "Keyspaces creds", show=False,
                id="credentials.keyspaces_credentials"),
        Binding("K", "bedrock_api_key", "Bedrock API key", show=False,
                id="credentials.bedrock_api_key"),
        Binding("r", "reset_service_password", "Reset password",
                id="credentials.reset_service_password"),
        Binding("v", "upload_certificate", "X.509 cert", show=False,
                id="credentials.upload_signing_certificate"),
        Binding("l", "mfa_tags", "MFA tags", id="credentials.mfa_tags"),
    ]

    def __init__(self, user_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user_name = user_name
        self.has_password = False
        self.locked = False

    def load(self) -> list[Row]:
        service, principal = session_of(self)
        try:
            profile = service.get_login_profile(principal, self.user_name)
        except NoSuchEntity:
            profile = None
        self.has_password = profile is not None
        now = service.clock()
        self.locked = profile is not None and profile.locked_until is not None \
            and profile.locked_until > now
        if profile is None:
            rows = [Row("password", ("Console password", "-", "Not set", "-", "-"))]
        else:
            status = "Enabled, reset required" if profile.password_reset_required \
                else "Enabled"
            if self.locked:
                until = profile.locked_until
                status = "Locked (until unlocked)" if until == UNTIL_UNLOCKED else \
                    f"Locked until {until:%H:%M UTC}"
            user = service.get_user(principal, self.user_name)
            rows = [Row("password", ("Console password", "-", status,
                                     _date(profile.password_last_changed),
                                     _date(user.password_last_used)))]
        rows += self.mfa_rows()
        for key in service.list_access_keys(principal, self.user_name):
            rows.append(Row(f"key:{key.access_key_id}", (
                "Access key", key.access_key_id, key.status, _date(key.create_date),
                _date(key.last_used_date) + (f" ({key.last_used_service})"
                                             if key.last_used_service else ""))))
        return rows + other.credential_rows(self, self.user_name)

    def mfa_rows(self) -> list[Row]:
        """The user's enabled MFA devices, keyed `mfa:<serial>`."""
        service, principal = session_of(self)
        return [Row(f"mfa:{d.serial_number}", (
            "MFA device", d.serial_number.rsplit("/", 1)[-1], "Assigned",
            _date(d.enable_date), "-"))
            for d in service.list_mfa_devices(principal, self.user_name)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        key = self.current or ""
        if action == "toggle_key":
            return key.startswith(("key:", *other.PREFIXES))
        if action == "reset_service_password":
            return key.startswith("svc:")
        if action == "unlock":
            return self.locked
        if action == "remove":
            return key.startswith(("key:", "mfa:", *other.PREFIXES)) or \
                (key == "password" and self.has_password)
        if action in ("resync_mfa", "mfa_tags"):
            return key.startswith("mfa:")
        return True

    def action_password(self) -> None:
        service, principal = session_of(self)
        creating = not self.has_password
        outcome: list[str] = []  # what the save did beyond the password, for the toast

        def apply(values: dict[str, str]) -> None:
            if values["password"] != values["again"]:
                raise InvalidInput("The two passwords differ.")
            reset = values["reset"] == "true"
            if creating:
                service.create_login_profile(principal, self.user_name, values["password"],
                                             password_reset_required=reset)
            else:
                service.update_login_profile(principal, self.user_name,
                                             password=values["password"],
                                             password_reset_required=reset)
            if reset:
                # as the console does: a user who must choose a password may change it
                try:
                    attached = service.let_user_change_password(principal, self.user_name)
                except IamError as error:
                    # the refusal comes first, so whether the user may already change
                    # its password is not known here: say what holds either way
                    outcome.append(f"Warning: {self.user_name} must choose a new password "
                                   "at the next sign-in, and IAMUserChangePassword could "
                                   f"not be attached ({error.code}): unless the account "
                                   "lets users change their own password (Settings) or a "
                                   "policy allows iam:ChangePassword, they cannot.")
                else:
                    if attached:
                        outcome.append(f"Attached IAMUserChangePassword to {self.user_name} "
                                       "so that they can choose their new password.")

        def done(values: dict[str, str] | None) -> None:
            if values:
                warned = any(line.startswith("Warning") for line in outcome)
                self.notify(" ".join([f"Console password {'set' if creating else 'reset'} "
                                      f"for {self.user_name}.", *outcome]),
                            severity="warning" if warned else "information",
                            timeout=15 if outcome else 5, markup=False)
                self.reload()

        self.app.push_screen(FormModal(
            f"{'Set' if creating else 'Reset'} the console password of {self.user_name}",
            [Field("password", "Password", password=True),
             Field("again", "Password again", password=True),
             Field("reset", "Require a new password at the next sign-in", "true",
                   checkbox=True)],
            submit="Set password", apply=apply,
            note="The account's password policy applies; a refusal says which rule. With "
                 "a new password required, IAMUserChangePassword is attached unless the "
                 "user may already change their own password."), done)

    def action_unlock(self) -> None:
        """Lift a sign-in lockout (iamtui's own; AWS has none): the administrator vouches."""
        if self.locked:
            service, _ = session_of(self)
            self.op(service.unlock_login_profile, self.user_name,
                    success=f"{self.user_name} can sign in again")

    def action_create_key(self) -> None:
        service, principal = session_of(self)
        new = run_op(self, service.create_access_key, principal, self.user_name,
                     success=f"Created an access key for {self.user_name}")
        if isinstance(new, Failed):
            return
        self.reload()
        self.app.push_screen(SecretModal(
            f"Access key for {self.user_name}",
            [("Access key ID", new.key.access_key_id),
             ("Secret access key", new.secret_access_key)], new.secret_access_key))

    def action_upload_ssh(self) -> None:
        other.upload_ssh_key(self, self.user_name)

    def action_git_credentials(self) -> None:
        other.generate_service_credential(self, self.user_name, "codecommit.amazonaws.com")

    def action_keyspaces_credentials(self) -> None:
        other.generate_service_credential(self, self.user_name, "cassandra.amazonaws.com")

    def action_bedrock_api_key(self) -> None:
        other.generate_service_credential(self, self.user_name, "bedrock.amazonaws.com")

    def action_reset_service_password(self) -> None:
        if (self.current or "").startswith("svc:"):
            other.reset_service_password(self, self.user_name, self.current or "")

    def action_upload_certificate(self) -> None:
        other.upload_signing_certificate(self, self.user_name)

    def action_toggle_key(self) -> None:
        key = self.current or ""
        if not key.startswith(("key:", *other.PREFIXES)):
            return
        row = next(r for r in self.table.rows if r.key == key)
        status = "Inactive" if row.cells[2] == "Active" else "Active"
        if not key.startswith("key:"):
            other.toggle(self, self.user_name, key, status)
            return
        key_id = key.split(":", 1)[1]
        service, _ = session_of(self)
        self.op(service.update_access_key, key_id, status, self.user_name,
                success=f"Access key {key_id} is now {status.lower()}")

    def action_assign_mfa(self) -> None:
        self.app.push_screen(MfaEnrollModal(self.user_name), enroll_done(self))

    def action_resync_mfa(self) -> None:
        key = self.current or ""
        if key.startswith("mfa:"):
            resync_device(self, self.user_name, key.split(":", 1)[1])

    def action_mfa_tags(self) -> None:
        key = self.current or ""
        if key.startswith("mfa:"):
            self.app.push_screen(MfaDeviceTagsScreen(key.split(":", 1)[1]))

    def action_remove(self) -> None:
        key = self.current or ""
        service, _ = session_of(self)
        if key.startswith("mfa:"):
            deactivate_device(self, self.user_name, key.split(":", 1)[1], then=self.reload)
            return
        if key.startswith(other.PREFIXES):
            other.remove(self, self.user_name, key)
            return
        if key.startswith("key:"):
            key_id = key.split(":", 1)[1]
            self.confirm(f"Delete access key {key_id}? Anything using it stops working.",
                         lambda: self.op(service.delete_access_key, key_id, self.user_name,
                                         success=f"Deleted access key {key_id}"))
        elif key == "password" and self.has_password:
            self.confirm(f"Remove the console password of {self.user_name}? The user can no "
                         "longer sign in to the console.",
                         lambda: self.op(service.delete_login_profile, self.user_name,
                                         success="Console password removed"),
                         verb="Remove")


class MfaDeviceTagsScreen(TagsScreen):
    """The tags of one virtual MFA device (TagMFADevice, UntagMFADevice,
    ListMFADeviceTags): `a` add, `d` remove, `esc` back to the credentials."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="mfa_tags.back")]

    def __init__(self, serial_number: str) -> None:
        super().__init__(f"Tags of MFA device {serial_number}", "mfa_device", serial_number)
        self.serial_number = serial_number


class UserDetailScreen(DetailScreen):
    """The detail of one user; `esc` goes back."""

    def __init__(self, user_name: str, *, trail: tuple[str, ...] = ("Users",)) -> None:
        super().__init__()
        self.user_name = user_name
        self.trail = (*trail, user_name)

    def compose(self) -> ComposeResult:
        service, principal = session_of(self)
        yield from header(self, self.trail)
        with TabbedContent(id="tabs"):
            with TabPane("Summary", id="summary"):
                yield Static(id="summary-body", classes="summary-body")
            with TabPane("Permissions", id="permissions"):
                yield PermissionsPane("user", self.user_name, self.trail)
            with TabPane("Groups", id="groups"):
                yield UserGroupsPane(self.user_name, self.trail)
            with TabPane("Security credentials", id="credentials"):
                yield CredentialsPane(self.user_name)
            with TabPane("Tags", id="tags"):
                yield TagsPane.of(service, principal, "user", self.user_name, id="tags-pane")
            with TabPane("Activity", id="activity"):
                yield ResourceTable((Column("time", "Time"), Column("event", "Event"),
                                     Column("who", "Who"), Column("result", "Result", 60)),
                                    empty_text="No recorded events.", id="activity-table")
            with TabPane("Permissions summary", id="permissions-summary"):
                yield OwnerPolicySummary("user", self.user_name, classes="summary-body")
            yield access_advisor_tab("user", self.user_name)
            yield escalation_tab("user", self.user_name, self.trail)
        yield Footer(compact=True, show_command_palette=False)

    def load(self) -> None:
        """Read the user's summary and activity (the tabs load themselves)."""
        service, principal = session_of(self)
        user = self.fetch(lambda: service.get_user(principal, self.user_name))
        if user is None:
            return
        self.arn = user.arn
        boundary = user.permissions_boundary or "not set"
        # $variables go in as text: a path may hold brackets ("/[/]x/"), which are no markup
        self.query_one("#summary-body", Static).update(Content.from_markup(
            "[b]ARN[/b]                  $arn\n"
            f"[b]User ID[/b]              {user.user_id}\n"
            "[b]Path[/b]                 $path\n"
            f"[b]Created[/b]              {user.create_date:%Y-%m-%d %H:%M UTC}\n"
            f"[b]Console last sign-in[/b] {_date(user.password_last_used)}\n"
            "[b]Permissions boundary[/b] $boundary",
            arn=user.arn, path=user.path, boundary=boundary))
        activity = self.query_one("#activity-table", ResourceTable)
        try:  # through LookupEvents: reading the audit trail needs cloudtrail:LookupEvents
            events = service.lookup_events(principal, involving_user=user.user_name,
                                           max_results=200)
        except IamError as error:
            activity.show_refusal(f"Not allowed to read the audit log: {error.message}")
            return
        activity.set_rows([activity_row(e) for e in events])
