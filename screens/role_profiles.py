"""A role's Instance profiles tab: the profiles that hold the role, and the console's verbs.

As the console does when it makes a role for EC2 (IAM User Guide, "Use instance
profiles"), `n` creates an instance profile (by default named as the role) holding the
role; `a` puts the role in an existing, empty profile; `d` takes it out of the one under
the cursor. Each is the IamService operation the CLI calls, authorized and audited.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from iamtui.screens.modals import Field, FormModal
from iamtui.screens.ops import Failed, run_op
from iamtui.screens.session import session_of
from iamtui.screens.widgets.detail_pane import DetailPane
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.resource_table import Column, Row

PROFILE_COLUMNS = (Column("name", "Instance profile", 40, 16), Column("path", "Path", 24),
                   Column("arn", "ARN", 80, 20))


def _row(profile: Any) -> Row:
    return Row(profile.instance_profile_name,
               (profile.instance_profile_name, profile.path, profile.arn))


class InstanceProfilesPane(DetailPane):
    """The instance profiles holding one role (ListInstanceProfilesForRole)."""

    columns = PROFILE_COLUMNS
    empty_text = "In no instance profile. n creates one for it, a adds it to one."
    hint = "An instance profile passes its one role to an EC2 instance."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New profile", id="instance_profiles.new"),
        Binding("a", "add", "Add to profile", id="instance_profiles.add"),
        Binding("d", "remove", "Remove", id="instance_profiles.remove")]

    def __init__(self, role_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.role_name = role_name

    def load(self) -> list[Row]:
        service, principal = session_of(self)
        return [_row(p.profile)
                for p in service.list_instance_profiles_for_role(principal, self.role_name)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove":
            return self.current is not None
        return True

    def action_new(self) -> None:
        service, principal = session_of(self)

        def create(values: dict[str, str]) -> None:
            # in the form: a name AWS refuses or one taken keeps the form open
            service.create_instance_profile(principal, values["name"],
                                            path=values["path"] or "/")

        def done(values: dict[str, str] | None) -> None:
            if values:
                self.op(service.add_role_to_instance_profile, values["name"], self.role_name,
                        success=f"Instance profile {values['name']} holds {self.role_name}")

        self.app.push_screen(FormModal(f"New instance profile for {self.role_name}", [
            Field("name", "Instance profile name", self.role_name),
            Field("path", "Path", "/", required=False)], submit="Create", apply=create), done)

    def action_add(self) -> None:
        service, principal = session_of(self)
        found = run_op(self, service.list_instance_profiles, principal)
        if isinstance(found, Failed):
            return
        empty = [_row(p.profile) for p in found if not p.roles]

        def done(name: str | None) -> None:
            if name:
                self.op(service.add_role_to_instance_profile, name, self.role_name,
                        success=f"Instance profile {name} holds {self.role_name}")

        self.app.push_screen(PickerModal(f"Add {self.role_name} to an instance profile",
                                         PROFILE_COLUMNS, empty,
                                         empty_text="No instance profile without a role."),
                             done)

    def action_remove(self) -> None:
        name = self.current
        if name is None:
            return
        service, _ = session_of(self)
        self.confirm(f"Remove role {self.role_name} from instance profile {name}? Instances "
                     "launched with the profile lose the role's permissions.",
                     lambda: self.op(service.remove_role_from_instance_profile, name,
                                     self.role_name,
                                     success=f"Removed {self.role_name} from {name}"),
                     verb="Remove")
