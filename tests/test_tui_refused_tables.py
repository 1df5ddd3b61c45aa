"""A table the signed-in principal may not read says so, instead of reading as empty.

Found by hand: a user without iam:ListUsers saw "No users yet. Press n to create one."
under the Users section, which tells a narrow principal (wrongly) that the account has
no users, and invites it to create one. AWS's console shows the refusal in place of the
list ("You don't have permission to iam:ListUsers"); the IAM User Guide's
"Troubleshoot access denied error messages" names the action refused, and so do we.
"""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Static
from tui_helpers import new_store, settle, sign_in

from iamtui.app import IamApp
from iamtui.screens.widgets.resource_table import ResourceTable, Row

PASSWORD = "Narr0w!Passw0rd"


def narrow_store(tmp_path: Path) -> Path:
    """alice may read herself and list groups, nothing else; bob exists beside her."""
    svc = new_store(tmp_path)
    root = svc.root_principal()
    svc.create_user(root, "alice")
    svc.create_user(root, "bob")
    svc.create_login_profile(root, "alice", PASSWORD)
    svc.put_user_policy(root, "alice", "Narrow", json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListGroups"],
                       "Resource": "*"}]}))
    svc.close()
    return tmp_path / "db.json"


async def test_a_list_the_caller_may_not_read_names_the_refused_action(tmp_path: Path) -> None:
    db = narrow_store(tmp_path)
    app = IamApp(db, keys_dir=tmp_path / "keys")
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "alice", PASSWORD)
        await pilot.press("2")
        await settle(pilot)
        users = app.screen.query_one("#users ResourceTable", ResourceTable)
        assert users.row_count == 0
        assert users.empty_message() == "Not allowed to read these (iam:ListUsers)."
        status = app.screen.query_one("#users .section-status", Static)
        assert str(status.render()) == ""  # not "0 users"

        # a list it may read keeps the usual empty text, and a later load clears the refusal
        await pilot.press("3")
        await settle(pilot)
        groups = app.screen.query_one("#groups ResourceTable", ResourceTable)
        assert groups.empty_message() == "No groups yet. Press n to create one."
        users.show_refusal("Not allowed to read these (iam:ListUsers).")
        users.set_rows([Row("bob", ("bob",) + ("",) * (len(users.columns) - 1))])
        users.set_rows([])
        assert users.empty_message() == "No users yet. Press n to create one."


async def test_every_line_table_shows_a_refusal_until_it_is_given_rows() -> None:
    """The audit log's lazy table works the same way: a refusal (cloudtrail:LookupEvents)
    empties it and stands in for its empty text, and the next source read clears it, so
    an empty log read later says "No events match." again, not the old refusal."""
    from textual.app import App, ComposeResult

    from iamtui.screens.widgets.lazy_table import LazyTable
    from iamtui.screens.widgets.resource_table import Column

    class LazyApp(App[None]):
        def compose(self) -> ComposeResult:
            yield LazyTable((Column("when", "Time", 20),), empty_text="No events match.")

    app = LazyApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(LazyTable)
        table.set_source(2, lambda offset, limit: [("a",), ("b",)][offset:offset + limit])
        table.show_refusal("Reading the audit log needs cloudtrail:LookupEvents.")
        await pilot.pause()
        assert table.count == 0
        assert table.empty_message() == "Reading the audit log needs cloudtrail:LookupEvents."
        table.set_source(0, lambda offset, limit: [])
        assert table.empty_message() == "No events match."
