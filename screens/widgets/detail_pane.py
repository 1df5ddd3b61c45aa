"""One tab of a detail screen: a table of rows with its own verbs, reloaded after each change.

Panes load synchronously: a detail's rows are few, and a result that is on screen
right after the key press keeps the flow (and the tests) simple.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from iamtui.errors import IamError
from iamtui.model import Tag
from iamtui.screens.modals import Field, FormModal
from iamtui.screens.ops import Operations, refusal_text, report_error
from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal


class DetailPane(Operations, Vertical):
    """A titled table; subclasses give `columns`, `load()` and their verbs."""

    DEFAULT_CSS = """
    DetailPane { height: 1fr; }
    DetailPane > .pane-hint { color: $text-muted; height: auto; padding: 0 1; }
    """
    columns: ClassVar[tuple[Column, ...]] = ()
    empty_text: ClassVar[str] = "Nothing here."
    hint: ClassVar[str] = ""

    def compose(self) -> ComposeResult:
        yield ResourceTable(self.columns, empty_text=self.empty_text)
        if self.hint:
            yield Static(self.hint, classes="pane-hint")

    @property
    def table(self) -> ResourceTable:
        """The table of rows."""
        return self.query_one(ResourceTable)

    @property
    def current(self) -> str | None:
        """The key of the row under the cursor."""
        return self.table.current_key

    def load(self) -> list[Row]:
        """The rows, read through IamService (IamError is shown as a toast)."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the rows again and show them."""
        try:
            self.table.set_rows(self.load())
        except IamError as error:
            report_error(self, error)
            self.table.show_refusal(refusal_text(error))
        self.refresh_bindings()

    def on_resource_table_highlighted(self, event: ResourceTable.Highlighted) -> None:
        # Which verbs apply depends on the row: let the footer follow the cursor.
        self.refresh_bindings()

    def after_change(self) -> None:
        self.reload()


class TagsPane(DetailPane):
    """Tags of a user, role or policy: `a` add (or overwrite), `d` remove."""

    columns = (Column("key", "Key", 40), Column("value", "Value", 64))
    empty_text = "No tags. Press a to add one."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="tags.add"),
        Binding("d", "remove", "Remove", id="tags.remove")]

    def __init__(self, list_tags: Callable[[], Sequence[Tag]],
                 tag: Callable[[Principal, Sequence[Tag]], None],
                 untag: Callable[[Principal, Sequence[str]], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.list_tags, self.tag, self.untag = list_tags, tag, untag

    @classmethod
    def of(cls, service: IamService, principal: Principal, kind: str, name: str,
           **kwargs: Any) -> TagsPane:
        """The tags of the `kind` ("user", "role", "policy") named `name` (a policy by
        ARN), through IamService's list_/tag_/untag_<kind>_tags operations."""
        list_tags = getattr(service, f"list_{kind}_tags")
        tag, untag = getattr(service, f"tag_{kind}"), getattr(service, f"untag_{kind}")
        return cls(lambda: list_tags(principal, name),
                   lambda who, tags: tag(who, name, tags),
                   lambda who, keys: untag(who, name, keys), **kwargs)

    def load(self) -> list[Row]:
        return [Row(t.key, (t.key, t.value)) for t in self.list_tags()]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove":
            return self.current is not None
        return True

    def action_add(self) -> None:
        def done(values: dict[str, str] | None) -> None:
            if values:
                self.op(self.tag, [Tag(values["key"], values["value"])],
                        success=f"Tagged {values['key']}={values['value']}")
        self.app.push_screen(FormModal("Add tag", [
            Field("key", "Key", placeholder="team"),
            Field("value", "Value", required=False)], submit="Add"), done)

    def action_remove(self) -> None:
        key = self.current
        if key is not None:
            self.confirm(f"Remove tag {key}?",
                         lambda: self.op(self.untag, [key], success=f"Removed tag {key}"),
                         verb="Remove")
