"""The form modal every section uses: a yes/no field is a checkbox, and a form taller
than the terminal scrolls its fields while the title and buttons stay in view."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.widgets import Button, Checkbox, Input
from tui_helpers import type_text, wait_for_workers

from iamtui.screens.modals import Field, FormModal

FIELDS = [Field(f"f{i}", f"Field {i}", required=False) for i in range(6)] + [
    Field("flag", "A yes/no choice", "true", checkbox=True)]


class FormApp(App[None]):
    def __init__(self, fields: list[Field], apply: Callable[[dict[str, str]], object] | None
                 = None) -> None:
        super().__init__()
        self.fields, self.apply = fields, apply
        self.result: dict[str, str] | None = None

    def on_mount(self) -> None:
        self.push_screen(FormModal("A long form", self.fields, apply=self.apply),
                         lambda values: setattr(self, "result", values))


def inside(inner: object, outer: object) -> bool:
    return outer.contains_region(inner)  # type: ignore[attr-defined]


async def test_a_long_form_at_80x24_keeps_its_buttons_and_scrolls_to_the_focused_field() -> None:
    app = FormApp(FIELDS)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(app.focused, Input) and app.focused.id == "field-f0"
        body = screen.query_one(".dialog-body")
        assert body.scroll_y == 0  # the first field's label is in view, not scrolled past
        for button in screen.query(Button):
            assert inside(button.region, screen.region), button.id
        for _ in range(6):  # to the checkbox, below the fold at first
            await pilot.press("tab")
        await pilot.pause()
        box = screen.query_one("#field-flag", Checkbox)
        assert box.has_focus, app.focused
        assert body.scroll_y > 0 and inside(box.region, body.region)
        for _ in range(5):  # back up to field 1: scrolling up shows its label too
            await pilot.press("shift+tab")
        await pilot.pause()
        assert app.focused is screen.query_one("#field-f1")
        children = list(body.children)
        label = children[children.index(app.focused) - 1]
        assert str(label.render()) == "Field 1" and inside(label.region, body.region)


async def test_the_checkbox_gives_true_or_false_and_text_fields_their_text() -> None:
    app = FormApp([Field("name", "Name"), Field("flag", "Flag", "true", checkbox=True)])
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "alice")
        await pilot.press("tab", "space", "tab", "enter")  # untick, then the Create button
        await pilot.pause()
    assert app.result == {"name": "alice", "flag": "false"}


async def test_a_required_text_field_left_empty_is_named_and_nothing_is_returned() -> None:
    app = FormApp([Field("name", "Name"), Field("flag", "Flag", checkbox=True)])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FormModal)
        assert "Required: Name" in str(app.screen.query_one("#form-error").render())
    assert app.result is None


async def test_type_to_confirm_says_what_is_missing_and_confirms_only_on_the_exact_name(
        ) -> None:
    from iamtui.screens.modals import ConfirmModal

    class ConfirmApp(App[None]):
        result: bool | None = None

        def on_mount(self) -> None:
            self.push_screen(ConfirmModal("Delete user bob?", type_to_confirm="bob"),
                             lambda ok: setattr(self, "result", ok))

    app = ConfirmApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "bo")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal) and app.result is None
        assert "Type bob exactly" in str(app.screen.query_one("#confirm-error").render())
        await type_text(pilot, "b")
        await pilot.press("enter")
        await pilot.pause()
    assert app.result is True


async def test_a_refusal_shows_whole_above_the_buttons_even_at_80x24() -> None:
    """The reason a form was refused is on screen in full, not under the buttons."""
    from iamtui.errors import PasswordPolicyViolation

    reason = ("Password does not meet the default password policy: must be at least 8 "
              "characters; must contain at least 3 of: upper case, lower case, digits, "
              "symbols")

    def refuse(values: dict[str, str]) -> None:
        raise PasswordPolicyViolation(reason)

    app = FormApp(FIELDS, refuse)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(6):  # from field to field, then submit
            await pilot.press("enter")
        await pilot.pause()
        await wait_for_workers(app)
        await pilot.pause()
        screen = app.screen
        error = screen.query_one("#form-error")
        shown = "\n".join(s.text for s in screen._compositor.render_strips())
        flat = " ".join(shown.split())
        assert "PasswordPolicyViolation: Password does not meet" in flat
        assert "symbols" in flat
        for button in screen.query(Button):
            assert not error.region.overlaps(button.region)
