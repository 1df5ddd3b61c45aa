"""Work on every marked row at once: delete, add to a group, attach or detach a policy.

One confirmation covers them all, but each entity is its own IamService call: authorized
by the engine and audited on its own (one audit record per entity, as a script calling
the CLI once per name would leave), so one refusal stops nothing else. The calls run in
a worker; a summary says what was done and what was refused, and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from iamtui.errors import IamError
from iamtui.screens.row_keys import is_resource_key, resource_arn
from iamtui.screens.session import session_of
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.resource_table import Column, Row
from iamtui.screens.workers import deliver

if TYPE_CHECKING:
    from iamtui.screens.sections import ResourceSection
    from iamtui.service import IamService, Principal

OWNER_KINDS = ("user", "group", "role")  # what a managed policy attaches to

# verb: (menu label, what the summary says of each one done)
VERBS = {"delete": ("Delete", "deleted"), "add_to_group": ("Add to a group", "added"),
         "attach": ("Attach a managed policy", "attached"),
         "detach": ("Detach a managed policy", "detached")}


def verbs_for(singular: str) -> list[str]:
    """The bulk verbs of a kind: every kind deletes; users join groups; users, groups
    and roles take managed policies."""
    found = ["delete"]
    if singular == "user":
        found.append("add_to_group")
    if singular in OWNER_KINDS:
        found += ["attach", "detach"]
    return found


def name_of(key: str) -> str:
    """What a row is called in a summary: a name (rows are keyed by ARN)."""
    if is_resource_key(key):
        return resource_arn(key)
    return key.rsplit("/", 1)[-1]


def change(service: IamService, principal: Principal, singular: str, verb: str, key: str,
           target: str | None) -> Callable[[], object]:
    """The one IamService call that does `verb` to the entity keyed `key`."""
    name = name_of(key)
    if verb == "delete":
        if singular == "user":
            return lambda: service.delete_user(principal, name, cascade=True)
        if singular == "group":
            return lambda: service.delete_group(principal, name, cascade=True)
        if singular == "role":
            return lambda: service.delete_role(principal, name, cascade=True)
        if is_resource_key(key):
            return lambda: service.delete_resource_policy(principal, name)
        return lambda: service.delete_policy(principal, key, cascade=True)
    assert target is not None
    if verb == "add_to_group":
        return lambda: service.add_user_to_group(principal, target, name)
    if verb == "attach":
        return lambda: service.attach_policy(principal, singular, name, target)
    return lambda: service.detach_policy(principal, singular, name, target)


@dataclass
class BulkResult:
    """What one bulk run did: the names done, and each refusal with its error."""

    verb: str
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, IamError]] = field(default_factory=list)

    def summary(self) -> str:
        """`3 deleted, 1 refused: AccessDenied`, one line (the reasons follow it)."""
        text = f"{len(self.done)} {VERBS[self.verb][1]}"
        if self.refused:
            codes = ", ".join(dict.fromkeys(error.code for _, error in self.refused))
            text += f", {len(self.refused)} refused: {codes}"
        return text


def run_all(calls: Sequence[tuple[str, Callable[[], object]]], verb: str) -> BulkResult:
    """Make each call on its own; a refusal is noted and the next one still runs."""
    result = BulkResult(verb)
    for name, call in calls:
        try:
            call()
        except IamError as error:
            result.refused.append((name, error))
        else:
            result.done.append(name)
    return result


class BulkResultModal(ModalScreen[None]):
    """The summary of a bulk run: how many were done, and each refusal with AWS's reason."""

    CSS_PATH = "modals.tcss"
    DEFAULT_CSS = """
    BulkResultModal { align: center middle; }
    BulkResultModal .bulk-refused { height: auto; max-height: 12; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="bulk_result.close")]

    def __init__(self, title: str, result: BulkResult) -> None:
        super().__init__()
        self.title_text, self.result = title, result

    def compose(self) -> ComposeResult:
        result = self.result
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(result.summary(), id="bulk-summary")
            if result.refused:
                with VerticalScroll(classes="bulk-refused"):
                    for name, error in result.refused:
                        yield Static(f"✗ {name}: {error.code}: {error.message}",
                                     classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", variant="primary", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


def _targets(section: ResourceSection, verb: str, keys: Sequence[str]) -> list[Row]:
    """What the verb needs picked: a group, a managed policy, or a policy attached to at
    least one marked entity (a detach of what is not attached would only be refused)."""
    service, principal = session_of(section)
    singular = section.kind.singular
    if verb == "add_to_group":
        return [Row(g.group_name, (g.group_name, g.path)) for g in service.list_groups(principal)]
    if verb == "attach":
        return [Row(p.arn, (p.policy_name, p.arn)) for p in service.list_policies(principal)]
    attached: dict[str, str] = {}
    for key in keys:
        try:
            for p in service.list_attached_policies(principal, singular, name_of(key)):
                attached[p.arn] = p.policy_name
        except IamError:
            continue  # not allowed to read this one's: its detach is tried and reported
    return [Row(arn, (name, arn)) for arn, name in sorted(attached.items(),
                                                          key=lambda item: item[1])]


def start_bulk(section: ResourceSection, verb: str | None = None) -> None:
    """The marked rows of `section`: pick what to do (unless `verb`), then what to do it
    with, confirm once, and run each change in a worker."""
    rows = section.table.marked_rows
    kind = section.kind
    if not rows:
        section.notify("Mark rows first: space marks one, * marks every row shown.",
                       severity="warning")
        return
    keys = [r.key for r in rows]
    plural = kind.singular if len(keys) == 1 else kind.name.lower()
    what = f"{len(keys)} marked {plural}"

    def chosen(picked: str | None) -> None:
        if picked is None:
            return
        if picked == "delete":
            confirm(picked, None, None)
            return
        try:
            targets = _targets(section, picked, keys)
        except IamError as error:
            section.notify(error.message, title=error.code, severity="error", markup=False)
            return
        noun = "group" if picked == "add_to_group" else "managed policy"
        section.app.push_screen(PickerModal(
            f"{VERBS[picked][0]}: which {noun}, for {what}?",
            (Column("name", "Name", 40), Column("detail", "Path" if noun == "group" else "ARN",
                                                70)),
            targets, empty_text=f"No {noun} to choose."),
            lambda target: confirm(picked, target, _label(targets, target)))

    def confirm(picked: str, target: str | None, label: str | None) -> None:
        if picked != "delete" and target is None:
            return
        names = ", ".join(name_of(k) for k in keys[:8]) + (" …" if len(keys) > 8 else "")
        question = {
            "delete": f"Delete {what}: {names}? Their credentials, memberships and policies "
                      "go with them.",
            "add_to_group": f"Add {what} to group {label}: {names}?",
            "attach": f"Attach {label} to {what}: {names}?",
            "detach": f"Detach {label} from {what}: {names}?"}[picked]
        question += " Each is changed on its own, as you: what you may not change is " \
                    "left as it is, and the summary says why."
        label_verb = VERBS[picked][0].split()[0]
        title = f"{VERBS[picked][0]}: {what}" if label is None else \
            f"{VERBS[picked][0]} ({label}): {what}"
        section.confirm(question, lambda: run(picked, target, title),
                        verb=f"{label_verb} {len(keys)}")

    def run(picked: str, target: str | None, title: str) -> None:
        service, principal = session_of(section)
        calls = [(name_of(k), change(service, principal, kind.singular, picked, k, target))
                 for k in keys]

        def work() -> None:
            result = run_all(calls, picked)
            deliver(section, finished, result, title)

        section.run_worker(work, thread=True, group="bulk", name=f"bulk {picked}")

    def finished(result: BulkResult, title: str) -> None:
        refused = {name for name, _ in result.refused}
        table = section.table
        # what was refused stays marked: fix the reason, then try those again
        table.set_marks({k for k in keys if name_of(k) in refused})
        section.action_refresh()
        section.app.push_screen(BulkResultModal(title, result))

    if verb is not None:
        chosen(verb)
        return
    options = verbs_for(kind.singular)
    section.app.push_screen(PickerModal(
        f"What to do with {what}?", (Column("verb", "Action", 40),),
        [Row(v, (VERBS[v][0],)) for v in options]), chosen)


def _label(rows: Sequence[Row], key: str | None) -> str | None:
    """The name shown for a picked row (a policy's name, not its ARN)."""
    return next((r.cells[0] for r in rows if r.key == key), key)
