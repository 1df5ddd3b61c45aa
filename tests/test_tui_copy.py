"""`y` copies a name, an ARN or JSON from a small menu (issue 12). The JSON is what
`aws iam get-user` prints (AWS CLI Command Reference, iam get-user: {"User": {...}}), and
a managed policy's document is its default version's (IAM API Reference,
GetPolicyVersion)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import ACCOUNT_ID, ROOT_PASSWORD
from tui_helpers import new_store, settle, type_text

from iamtui.app import IamApp
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.resource_table import ResourceTable

DOCUMENT = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
REPORTS = f"arn:aws:iam::{ACCOUNT_ID}:policy/Reports"


async def test_y_copies_name_arn_or_json(tmp_path: Path) -> None:
    svc = new_store(tmp_path)
    root = svc.root_principal()
    svc.create_user(root, "alice", path="/staff/")
    svc.create_policy(root, "Reports", json.dumps(DOCUMENT))
    svc.close()
    alice = f"arn:aws:iam::{ACCOUNT_ID}:user/staff/alice"
    app = IamApp(tmp_path / "db.json", keys_dir=tmp_path / "keys")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+r", *ROOT_PASSWORD, "enter")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)

        async def copy(what: str) -> str:
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, PickerModal)
            await type_text(pilot, what)
            await pilot.press("enter")
            await settle(pilot)
            return app.clipboard

        assert await copy("name") == "alice"
        assert await copy("arn") == alice
        copied = json.loads(await copy("json"))
        assert copied["User"]["UserName"] == "alice" and copied["User"]["Arn"] == alice
        assert copied["User"]["Path"] == "/staff/"

        await pilot.press("5")
        await settle(pilot)
        assert app.screen.query_one("#policies ResourceTable", ResourceTable).move_to(REPORTS)
        assert json.loads(await copy("document")) == DOCUMENT
        assert json.loads(await copy("json"))["Policy"]["DefaultVersionId"] == "v1"
