"""A screen of one entity's tags, for the entities whose console pages have no detail view
of their own (an MFA device, an identity provider): `a` add, `d` remove, `esc` back."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from iamtui.screens.session import session_of
from iamtui.screens.widgets.detail_pane import TagsPane


class TagsScreen(Screen[None]):
    """The tags of the `kind` (an IamService list_<kind>_tags / tag_<kind> / untag_<kind>
    family, such as "mfa_device" or "saml_provider") named `name`, under `title`."""

    CSS_PATH = "detail.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="tags_screen.back")]

    def __init__(self, title: str, kind: str, name: str) -> None:
        super().__init__()
        self.title_text, self.kind, self.entity_name = title, kind, name

    def compose(self) -> ComposeResult:
        service, principal = session_of(self)
        yield Static(Content(self.title_text), classes="title")
        yield TagsPane.of(service, principal, self.kind, self.entity_name, id="tags-pane")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(TagsPane).table.focus()

    def action_back(self) -> None:
        self.dismiss(None)
