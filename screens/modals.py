"""Small modal dialogs every section uses: a form, a confirmation, a secret shown once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static, TextArea
from textual.worker import Worker, WorkerState

from iamtui.errors import AccessDenied, IamError


@dataclass(frozen=True)
class Field:
    """One input of a form; a `checkbox` is a yes/no choice whose value is "true" or
    "false" (its initial state is `value == "true"`)."""

    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    password: bool = False
    required: bool = True
    checkbox: bool = False


class FormModal(ModalScreen[dict[str, str] | None]):
    """A titled form; dismisses with the values, or None on escape.

    With `apply`, the form runs it (in a worker) on submit and closes only when it
    succeeds: a refusal (a name AWS rejects, a password the policy refuses, an access
    denied) is shown in the form, and nothing typed is lost.

    The fields scroll when the form is taller than the terminal; the title and the
    buttons stay in view.
    """

    CSS_PATH = "modals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="form.cancel")]

    def __init__(self, title: str, fields: Sequence[Field], *, submit: str = "Create",
                 note: str = "", apply: Callable[[dict[str, str]], object] | None = None
                 ) -> None:
        super().__init__()
        self.title_text, self.fields, self.submit_label, self.note = title, fields, submit, note
        self.apply = apply
        self._applying: dict[str, str] = {}  # the values being applied by the worker

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body", can_focus=False):  # focus: a field
                if self.note:
                    yield Static(self.note, classes="dialog-note")
                for field in self.fields:
                    if field.checkbox:
                        yield Checkbox(field.label, field.value == "true", compact=True,
                                       id=f"field-{field.name}")
                        continue
                    yield Label(field.label)
                    yield Input(field.value, placeholder=field.placeholder,
                                password=field.password, compact=True,
                                id=f"field-{field.name}")
            with Vertical(classes="form-footer"):
                yield Static("", id="form-error", classes="dialog-error")
                with Horizontal(classes="dialog-buttons"):
                    yield Button(self.submit_label, variant="primary", id="submit")
                    yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        # the first layout scrolls to the focused field past its label: start at the top
        body = self.query_one(".dialog-body", VerticalScroll)
        self.call_after_refresh(body.scroll_home, animate=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self._submit()

    @on(Button.Pressed, "#submit")
    def submit_pressed(self) -> None:
        self._submit()

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.dismiss(None)

    def _value(self, field: Field) -> str:
        if field.checkbox:
            return "true" if self.query_one(f"#field-{field.name}", Checkbox).value else "false"
        return self.query_one(f"#field-{field.name}", Input).value.strip()

    def _submit(self) -> None:
        values = {f.name: self._value(f) for f in self.fields}
        missing = [f.label for f in self.fields
                   if f.required and not f.checkbox and not values[f.name]]
        if missing:
            self.query_one("#form-error", Static).update(f"Required: {', '.join(missing)}")
            return
        if self.apply is None:
            self.dismiss(values)
            return
        self.query_one("#submit", Button).disabled = True
        self.query_one("#form-error", Static).update("Working…")
        self._applying = values
        self._apply(values)

    @work(thread=True, exclusive=True, group="form-apply")
    def _apply(self, values: dict[str, str]) -> IamError | None:
        assert self.apply is not None
        try:
            self.apply(values)
        except IamError as error:
            return error
        return None

    @on(Worker.StateChanged)
    def _applied(self, event: Worker.StateChanged) -> None:
        # dismissed once the worker ended: a screen dismissed from inside its own worker
        # cancels that worker as it unmounts
        if event.worker.group != "form-apply" or event.state != WorkerState.SUCCESS:
            return
        error = event.worker.result
        if isinstance(error, IamError):
            self._refused(error)
        else:
            self.dismiss(self._applying)

    def _refused(self, error: IamError) -> None:
        """AWS's error code and message in the form; the form stays for another try."""
        what = "Access denied" if isinstance(error, AccessDenied) else error.code
        # Content, not a str: the message quotes input, which must not be read as markup
        self.query_one("#form-error", Static).update(Content(f"{what}: {error.message}"))
        self.query_one("#submit", Button).disabled = False

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """Ask before a destructive action; with `type_to_confirm`, the name must be typed."""

    CSS_PATH = "modals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel")]

    def __init__(self, question: str, *, type_to_confirm: str | None = None,
                 confirm: str = "Delete", document: str | None = None) -> None:
        super().__init__()
        self.question, self.type_to_confirm, self.confirm_label = question, type_to_confirm, confirm
        self.document = document  # a policy document the action would write, shown whole

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog" if self.document is None else "dialog with-document"):
            yield Static(self.question, classes="dialog-title")
            if self.document is not None:
                yield TextArea.code_editor(self.document, language="json", read_only=True,
                                           soft_wrap=True, classes="dialog-document")
            if self.type_to_confirm:
                yield Label(f"Type {self.type_to_confirm} to confirm:")
                yield Input(id="confirm-name", compact=True)
                yield Static("", id="confirm-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.confirm_label, variant="error", id="confirm")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.type_to_confirm:
            self.query_one("#confirm-name", Input).focus()
        else:
            self.query_one("#cancel", Button).focus()

    def _confirm(self) -> None:
        """Dismiss with True, unless the name to type was not typed exactly: then say so."""
        if self.type_to_confirm and \
                self.query_one("#confirm-name", Input).value != self.type_to_confirm:
            self.query_one("#confirm-error", Static).update(
                f"Type {self.type_to_confirm} exactly (the case matters) to confirm.")
            return
        self.dismiss(True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._confirm()

    @on(Button.Pressed, "#confirm")
    def confirm_pressed(self) -> None:
        self._confirm()

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)


class SecretModal(ModalScreen[None]):
    """A secret shown once (a new access key's secret, a TOTP seed), with copy."""

    CSS_PATH = "modals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="secret.close"),
        Binding("c", "copy", "Copy secret", id="secret.copy_secret")]

    def __init__(self, title: str, lines: Sequence[tuple[str, str]], secret: str,
                 warning: str = "This is the only time the secret is shown. Store it now.") -> None:
        super().__init__()
        self.title_text, self.lines, self.secret, self.warning = title, lines, secret, warning

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            for label, value in self.lines:
                yield Label(label)
                yield Static(value, classes="secret-value")
            yield Static(self.warning, classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copy secret (c)", id="copy")
                yield Button("Done", variant="primary", id="done")

    @on(Button.Pressed, "#copy")
    def copy_pressed(self) -> None:
        self.action_copy()

    @on(Button.Pressed, "#done")
    def done_pressed(self) -> None:
        self.dismiss(None)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.secret)
        self.notify("Secret copied to the clipboard.")

    def action_close(self) -> None:
        self.dismiss(None)
