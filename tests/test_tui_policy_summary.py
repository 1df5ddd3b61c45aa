"""Policy summaries on the detail screens, as the IAM console shows them (IAM User Guide,
"Understanding permissions granted by a policy"): per service the access level granted,
the resources and the request conditions; for a user, everything attached to it and to
its groups together."""

from __future__ import annotations

from pathlib import Path

from test_tui_details import DOCUMENT, REPORTS, SIZE, db, open_first, open_service  # noqa: F401
from tui_helpers import settle

from iamtui.app import IamApp
from iamtui.screens.policy_detail import PolicyDetailScreen
from iamtui.screens.user_detail import UserDetailScreen
from iamtui.screens.widgets.policy_summary import OwnerPolicySummary, PolicySummaryView


def shown(view: PolicySummaryView) -> str:
    """The summary's text as drawn."""
    return "\n".join(line.text for line in view.render_lines(view.region.reset_offset))


async def test_a_policy_and_a_users_permissions_are_summarised(db: Path) -> None:  # noqa: F811
    svc = open_service(db)
    root = svc.root_principal()
    svc.attach_group_policy(root, "Developers", REPORTS)  # alice is a member
    svc.close()
    app = IamApp(db, keys_dir=db.parent / "keys")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, "5")  # AdministratorAccess
        screen = app.screen
        assert isinstance(screen, PolicyDetailScreen)
        screen.show_tab("permissions-summary")
        await settle(pilot)
        text = shown(screen.query_one(PolicySummaryView))
        assert "All services" in text and "Full access" in text
        await app.push_screen(UserDetailScreen("alice"))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UserDetailScreen) and screen.user_name == "alice"
        screen.show_tab("permissions-summary")
        await settle(pilot)
        await settle(pilot)
        text = shown(screen.query_one(OwnerPolicySummary))
        # DOCUMENT: s3:GetObject on arn:aws:s3:::reports/* (through the group)
        assert "Amazon S3" in text and "Limited: Read" in text
        assert "arn:aws:s3:::reports/*" in text
