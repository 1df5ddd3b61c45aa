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


async def test_tester_expands_wildcards_and_completes_from_the_typed_actions(
        db: Path) -> None:  # noqa: F811
    """A typed s3:Get* says how many actions it covers and which (Service Authorization
    Reference); with s3:GetObject typed, a resource completes to the object ARN format,
    and a context key only to keys it supports or global ones; enter adds its input,
    typed as the reference types the key (IAM API reference, ContextEntry)."""
    from textual.widgets import Static

    from iamtui.policy import catalog

    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tester = await open_tester(pilot)
        actions = tester.query_one("#actions", Input)
        actions.focus()
        hint = tester.query_one("#actions-hint", Static)
        assert not hint.display
        await pilot.press(*"s3:Get*")
        await pilot.pause()
        covered = catalog.expand_actions("s3:Get*")
        assert hint.display
        assert str(hint.render()).startswith(
            f"s3:Get* covers {len(covered)} actions: {covered[0].name}, {covered[1].name}")
        actions.value = "s3:GetObject"
        await pilot.pause()
        assert not hint.display
        resources = tester.query_one("#resources", Input)
        resources.focus()
        await pilot.press("a")
        await settle(pilot)
        assert resources._suggestion == "arn:aws:s3:::${BucketName}/${ObjectName}"
        key = tester.query_one("#context-key", Input)
        key.focus()
        await pilot.press(*"s3:pre")
        await settle(pilot)
        assert key._suggestion == ""  # s3:prefix is not s3:GetObject's
        key.value = ""
        await pilot.press(*"aws:SecureT")
        await settle(pilot)
        assert key._suggestion == "aws:SecureTransport"
        await pilot.press("right", "enter")
        await settle(pilot)
        added = [i for i in tester.query("#context Input").results(Input)
                 if i.name == "aws:SecureTransport"]
        assert len(added) == 1 and added[0].has_focus
        assert tester.context_types["aws:SecureTransport"] == "boolean"
