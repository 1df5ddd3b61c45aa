"""The command palette's IAM commands (`ctrl+p`, or `:`): jump to a section, open any
user, group, role or policy by name, or import/export the whole account.

Matching is fuzzy, so the short forms work as aliases: `u alice` finds "user alice",
`p admin` finds "policy AdministratorAccess", `groups` the Groups section. A leading
`:` (k9s style) is ignored. Kinds the signed-in principal may not list are left out.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider

from iamtui.errors import AccessDenied, IamError
from iamtui.screens.account_transfer import export_details, import_details
from iamtui.screens.identity_providers import IdentityProvidersScreen
from iamtui.screens.navigation import SECTIONS, EntityKind, OpenEntity, SectionsScreen
from iamtui.screens.session import session_of


@dataclass(frozen=True)
class Entry:
    """One command: what is matched, what it does, and a word of help."""

    text: str
    run: Callable[[], object]
    help: str


# The console's account menu, and the Server screen: (command, app action, help); each
# offered when it applies.
ACCOUNT_MENU = (
    ("sign out", "app.sign_out", "Back to the sign-in screen (ctrl+o)"),
    ("switch user", "app.switch_user", "Sign out and sign in as another user (ctrl+g)"),
    ("switch role", "app.switch_role", "Act as a role you may assume (ctrl+t)"),
    ("back to user", "app.back_to_user", "End the role session (ctrl+t)"),
    ("my security credentials", "app.my_credentials",
     "Your password, MFA device and access keys (f9)"),
    ("server", "app.server", "iamtui serve on this store: the endpoint and its calls (f12)"),
)

# Listings refused to the signed-in principal. The palette gathers on every opening; a
# user without list rights would leave four AccessDenied records each time (and each
# denial is a commit, so the store's revision cannot tell "nothing changed"). The first
# refusal of each listing is audited once per sign-in; identical requests are not made
# again until the next sign-in (a new principal), when a policy may allow them.
_REFUSED: weakref.WeakKeyDictionary[App[object], tuple[object, set[str]]] = \
    weakref.WeakKeyDictionary()


def _refused_listings(app: App[object], principal: object) -> set[str]:
    """The kinds `principal` was refused listing in this sign-in (a set to add to)."""
    known = _REFUSED.get(app)
    if known is None or known[0] is not principal:
        known = (principal, set())
        _REFUSED[app] = known
    return known[1]


def _open(app: App[object], kind: EntityKind, key: str) -> Callable[[], object]:
    return lambda: app.post_message(OpenEntity(kind, key))


class IamCommands(Provider):
    """Sections and entities, as palette commands."""

    async def startup(self) -> None:
        """Gather the commands once, when the palette opens."""
        # Listing goes through the store: keep it off the event loop.
        self.entries = await asyncio.to_thread(self._gather)

    def _gather(self) -> list[Entry]:
        screen, app = self.screen, self.app
        entries: list[Entry] = []
        if isinstance(screen, SectionsScreen):
            entries += [Entry(label.lower(), lambda sid=sid: screen.action_show(sid),
                              f"Go to {label} ({key})") for sid, label, key in SECTIONS]
            entries += [
                Entry("import account authorization details", lambda: import_details(app),
                      "Load an export of get-account-authorization-details"),
                Entry("export account authorization details", lambda: export_details(app),
                      "Write every user, group, role and policy to a JSON file"),
                Entry("identity providers", lambda: app.push_screen(IdentityProvidersScreen()),
                      "OpenID Connect providers: add, delete, give signing keys")]
        entries += [Entry(text, lambda action=action: app.run_action(action), help_text)
                    for text, action, help_text in ACCOUNT_MENU
                    if app.check_action(action.removeprefix("app."), ())]
        service, principal = session_of(screen)
        refused = _refused_listings(app, principal)
        listings: list[tuple[EntityKind, Callable[[], list[tuple[str, str]]]]] = [
            ("user", lambda: [(u.user_name, u.user_name)
                              for u in service.list_users(principal)]),
            ("group", lambda: [(g.group_name, g.group_name)
                               for g in service.list_groups(principal)]),
            ("role", lambda: [(r.role_name, r.role_name) for r in service.list_roles(principal)]),
            ("policy", lambda: [(p.policy_name, p.arn)
                                for p in service.list_policies(principal)]),
        ]
        for kind, listing in listings:
            if kind in refused:
                continue  # refused in this sign-in: asking again would only log it again
            try:
                found = listing()
            except AccessDenied:
                refused.add(kind)  # offer none of it, and do not ask again for now
                continue
            except IamError:
                continue
            entries += [Entry(f"{kind} {name}", _open(app, kind, key), f"Open {kind} {name}")
                        for name, key in found]
        return entries

    async def search(self, query: str) -> Hits:
        """Fuzzy matches of `query` (without a leading ':') among the commands."""
        matcher = self.matcher(query.lstrip(":").strip())
        for entry in self.entries:
            score = matcher.match(entry.text)
            if score > 0:
                yield Hit(score, matcher.highlight(entry.text), entry.run, entry.text,
                          help=entry.help)

    async def discover(self) -> Hits:
        """With nothing typed: the sections (on the main screen)."""
        for entry in self.entries:
            if not entry.text.startswith(("user ", "group ", "role ", "policy ")):
                yield DiscoveryHit(entry.text, entry.run, entry.text, help=entry.help)
