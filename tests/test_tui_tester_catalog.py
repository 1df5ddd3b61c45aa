"""The tester with AWS's catalog (Service Authorization Reference): completion of any
AWS action, "not applicable" for a resource of no type the action takes (the IAM policy
simulator's word), and only the context keys the actions support or global ones."""

from __future__ import annotations

from pathlib import Path

from test_tui_tester import OBJECT, SIZE, db, make_app, open_tester  # noqa: F401
from textual.widgets import Input
from tui_helpers import settle

from iamtui.screens.widgets.resource_table import ResourceTable


async def test_tester_uses_the_catalog(db: Path) -> None:  # noqa: F811
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tester = await open_tester(pilot)
        actions = tester.query_one("#actions", Input)
        actions.focus()
        await pilot.press(*"ec2:RunInst")  # no policy of alice mentions EC2
        await settle(pilot)
        assert actions._suggestion == "ec2:RunInstances"
        # alice's policies read aws:MultiFactorAuthPresent (global): asked for s3 actions
        actions.value = "s3:ListBucket"
        await pilot.pause()
        shown = [i.name for i in tester.query("#context Input").results(Input)
                 if i.parent is not None and i.parent.display]
        assert "aws:MultiFactorAuthPresent" in shown
        # resource ARNs complete with their service's formats
        resources = tester.query_one("#resources", Input)
        resources.focus()
        await pilot.press(*"arn:aws:s3:::")
        await settle(pilot)
        assert resources._suggestion == "arn:aws:s3:::${BucketName}"
        # s3:ListBucket acts on buckets: an object ARN is not applicable
        resources.value = OBJECT
        await pilot.press("f5")
        await settle(pilot)
        (row,) = tester.query_one("#results", ResourceTable).rows
        assert row.cells[3].startswith("not applicable")
