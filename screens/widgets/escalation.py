"""Paths to administrator (issue 16): the principals that are, or can make themselves,
administrators, and each path as a tree of steps with the statement that allows it.

One view serves the Risks section (every user and role) and the "Paths to administrator"
tab of a user's or role's page (that principal alone). The analysis evaluates every
principal's policies, so it runs in a worker, one at a time; a store change seen by the
main screen's poll re-runs it once the store has been quiet for QUIET_SECONDS.
`enter` on a step opens the policy that allows it at the deciding statement: a managed
policy's page (its document), an inline policy in the editor, a role's page for its
trust policy.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import LoadingIndicator, Static, TabPane, Tree
from textual.widgets.tree import TreeNode

from iamtui.errors import IamError
from iamtui.screens.modals import ConfirmModal
from iamtui.screens.navigation import OpenEntity
from iamtui.screens.ops import Failed, report_error, run_op
from iamtui.screens.session import session_of, signed_in
from iamtui.screens.widgets.access_advisor import entity_arn
from iamtui.screens.widgets.permissions import edit_inline_policy, pretty
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.resource_table import Column, Row
from iamtui.screens.workers import deliver
from iamtui.service.escalation import (
    EscalationFinding,
    EscalationPath,
    EscalationReport,
    EscalationStep,
    FixCandidate,
    path_key,
)

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from iamtui.service import IamService, Principal

# How long the store must stay unchanged before a live re-run: a burst of changes (an
# import, a bulk action) costs one analysis, not one per commit. On a large account
# (5,000 users: about 30 s) the wait is as long as the last run took, so that following
# a busy store keeps at most half a core busy.
QUIET_SECONDS = 0.5
ADMIN_TEXT = "administrator: every action on every resource is allowed"

_IAM_ARN = re.compile(r"arn:aws:iam::\d{12}:")
FIX_COLUMNS = (Column("rank", "#", 3), Column("kind", "Change", 20),
               Column("removed", "Removes", 8), Column("what", "What", 80))
Subject = tuple[Literal["user", "role"], str]
Item = EscalationFinding | EscalationPath | EscalationStep


def short_arn(arn: str) -> str:
    """`user/alice`, `policy/Reports`: the part of an ARN after the account."""
    return arn.split(":", 5)[-1] if arn.startswith("arn:") else arn


def shorten_arns(text: str) -> str:
    """`text` with each IAM ARN of an account as `user/alice`, `policy/X` (short_arn)."""
    return _IAM_ARN.sub("", text)


def principal_of(arn: str) -> Subject | None:
    """("user", name) or ("role", name) for a user's or role's ARN, else None."""
    resource = short_arn(arn)
    kind = resource.split("/", 1)[0]
    if kind in ("user", "role"):
        return kind, resource.rsplit("/", 1)[-1]  # type: ignore[return-value]
    return None


def finding_label(finding: EscalationFinding) -> Text:
    """`user alice · 2 paths`, or `role ops · administrator` in the warning colour."""
    # an administrator is a leaf: indented as far as the others' expand icon
    label = Text("  " if finding.is_admin else "")
    label.append(short_arn(finding.principal_arn).replace("/", " ", 1), style="bold")
    if finding.is_admin:
        label.append(" · administrator", style="red")
    else:
        count = len(finding.paths)
        label.append(f" · can become administrator, {count} path{'s' * (count != 1)}",
                     style="yellow")
    return label


def path_label(index: int, path: EscalationPath) -> Text:
    """`Path 1 · 2 steps`, and what it depends on that the store cannot see."""
    count = len(path.steps)
    label = Text(f"Path {index} · {count} step{'s' * (count != 1)}")
    if path.requires_existing_resource:
        label.append(f" · depends on {path.requires_existing_resource}", style="yellow")
    return label


def decided_by(step: EscalationStep) -> str:
    """`SelfService, statement Versions`: the policy and statement that allow the step."""
    if step.source_policy_id is None:
        return "no statement recorded"
    statement = f", statement {step.statement_id}" if step.statement_id else ""
    return f"{step.source_policy_id}{statement}"


def step_label(index: int, step: EscalationStep) -> Text:
    """`1. iam:CreatePolicyVersion on policy/X (X, statement S)`."""
    label = Text(f"{index}. ")
    label.append(step.action, style="bold")
    label.append(f" on {short_arn(step.resource)}")
    label.append(f"  ({decided_by(step)})", style="dim")
    return label


def step_details(step: EscalationStep) -> Text:
    """Everything about one step, whole: the status lines under the tree."""
    text = Text()
    text.append(step.action, style="bold")
    text.append(f" on {step.resource}\nas {short_arn(step.via)} · allowed by "
                f"{decided_by(step)}")
    extras = [step.note] if step.note else []
    if step.assumed:
        extras.append("the request carries " + ", ".join(step.assumed))
    for condition in step.conditions:  # what the allowing statements' conditions read
        value = f" = {', '.join(condition.values)}" if condition.values else ""
        extras.append(f"{condition.key}{value} ({condition.why})")
    if extras:
        text.append("\n" + " · ".join(extras), style="dim")
    return text


@dataclass(frozen=True)
class PolicyPlace:
    """Where the policy that allowed a step lives: a managed policy (`arn`), an inline
    policy of a user, group or role, or a role's trust policy (`kind` "trust")."""

    kind: Literal["managed", "inline", "trust"]
    owner_kind: Literal["user", "group", "role"] = "user"
    owner_name: str = ""
    name: str = ""  # the inline policy's name
    arn: str = ""


def locate_policy(service: IamService, principal: Principal,
                  step: EscalationStep) -> PolicyPlace | None:
    """The policy named by a step's DecidedBy: among the inline and attached policies of
    the principal making the request (and of its groups), its boundary, or the trust
    policy of the role it assumes. None when it is none of these (deleted since)."""
    who, wanted = principal_of(step.via), step.source_policy_id
    if who is None or wanted is None:
        return None
    kind, name = who
    owners: list[tuple[Literal["user", "group", "role"], str]] = [(kind, name)]
    if kind == "user":
        owners += [("group", g.group_name)
                   for g in service.list_groups_for_user(principal, name)]
    for owner_kind, owner_name in owners:
        if wanted in service.list_owner_policies(principal, owner_kind, owner_name):
            return PolicyPlace("inline", owner_kind, owner_name, wanted)
        for policy in service.list_attached_policies(principal, owner_kind, owner_name):
            if policy.policy_name == wanted:
                return PolicyPlace("managed", arn=policy.arn)
    target = principal_of(step.resource)
    if step.action.lower() == "sts:assumerole" and target == ("role", wanted):
        return PolicyPlace("trust", "role", wanted)
    entity = service.get_user(principal, name) if kind == "user" else \
        service.get_role(principal, name)
    boundary = entity.permissions_boundary
    if boundary and boundary.rsplit("/", 1)[-1] == wanted:
        return PolicyPlace("managed", arn=boundary)
    return None


def open_deciding_policy(node: DOMNode, step: EscalationStep, trail: tuple[str, ...],
                         after: Callable[[], object]) -> None:
    """Open the policy that allows `step`: a managed policy's page, an inline policy in
    the editor (saving it is Put{User,Group,Role}Policy), a role's page for its trust
    policy; `after` runs when that screen closes."""
    service, principal = session_of(node)
    try:
        place = locate_policy(service, principal, step)
    except IamError as error:
        report_error(node, error)
        return
    if place is None:
        node.notify(f"Policy {step.source_policy_id} of {short_arn(step.via)} is no longer "
                    "there: press r to run the analysis again.", severity="warning",
                    markup=False)
    elif place.kind == "managed":  # its document at the deciding statement
        node.post_message(OpenEntity("policy", place.arn, trail=trail, on_close=after,
                                     statement=step.statement_id))
    elif place.kind == "inline":
        edit_inline_policy(node, place.owner_kind, place.owner_name, place.name,
                           (*trail, f"{place.owner_kind} {place.owner_name}"), after,
                           statement=step.statement_id)
    else:
        node.post_message(OpenEntity("role", place.owner_name, trail=trail, on_close=after))


class EscalationTree(Tree[Item]):
    """Principals (in the Risks section), their paths, and each path's steps; `enter` on
    a step opens its policy, on anything else expands or collapses it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_policy", "Open policy", id="escalation.open_policy"),
        Binding("enter", "select_cursor", "Expand", id="escalation.expand"),
    ]

    class StepChosen(Message):
        """`enter` on a step: open the policy that allows it."""

        def __init__(self, tree: EscalationTree, step: EscalationStep) -> None:
            super().__init__()
            self.paths_tree, self.step = tree, step

        @property
        def control(self) -> EscalationTree:
            return self.paths_tree

    @property
    def current(self) -> Item | None:
        """What the cursor is on."""
        node = self.cursor_node
        return None if node is None else node.data

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        node = self.cursor_node
        if action == "open_policy":
            return node is not None and isinstance(node.data, EscalationStep)
        if action == "select_cursor":  # nothing to expand on a step or an administrator
            return node is not None and node.allow_expand
        return True

    def action_open_policy(self) -> None:
        step = self.current
        if isinstance(step, EscalationStep):
            self.post_message(self.StepChosen(self, step))


class EscalationView(Vertical):
    """The analysis of every user and role (`subject` None), or of one; the tree of its
    findings, and the whole of the step under the cursor."""

    DEFAULT_CSS = """
    EscalationView { height: 1fr; }
    EscalationView > .escalation-status { color: $text-muted; padding: 0 1; height: auto; }
    EscalationView > LoadingIndicator { height: 1; }
    EscalationView > EscalationTree { height: 1fr; padding: 0 1; overflow-x: hidden; }
    EscalationView > .escalation-step {
        height: auto; max-height: 6; padding: 0 1; border-top: solid $primary;
    }
    """
    DEFAULT_CLASSES = "live-view"  # a detail screen asks it to catch up on each visit
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", id="escalation.refresh"),
        Binding("o", "open_principal", "Open principal", id="escalation.open_principal"),
        Binding("f", "apply_fix", "Fix path", id="escalation.apply_fix"),
    ]

    def __init__(self, subject: Subject | None = None, *,
                 trail: tuple[str, ...] = ("Risks",), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.subject, self.trail = subject, trail
        self.loaded_revision: int | None = None  # the store revision the tree shows
        self.findings: list[EscalationFinding] | None = None
        self._analysing = False
        self._run_again = False  # `r` pressed while the analysis ran: run once more after
        self._quiet: Timer | None = None
        self._quiet_since: int | None = None  # the revision the quiet period waits after
        self._last_seconds = 0.0  # how long the last analysis took

    def compose(self) -> ComposeResult:
        yield Static("Analysing…", classes="escalation-status")
        yield LoadingIndicator()
        tree = EscalationTree("paths", id="escalation-tree")
        tree.show_root = False
        yield tree
        yield Static("", classes="escalation-step")

    @property
    def paths_tree(self) -> EscalationTree:
        """The tree of findings."""
        return self.query_one(EscalationTree)

    def focus_home(self) -> None:
        """Where the section's keys go: the tree."""
        self.paths_tree.focus()

    # ------------------------------------------------------------------ running it

    def on_show(self) -> None:
        self.reload_if_changed()

    def reload_if_changed(self) -> None:
        """Run the analysis the first time, and again once the store changed and then
        stayed quiet for QUIET_SECONDS."""
        if not signed_in(self):
            return
        if self.loaded_revision is None:
            if not self._analysing:
                self.action_refresh()
            return
        revision = session_of(self).revision
        if revision != self.loaded_revision and revision != self._quiet_since:
            # a new change: the quiet period starts again (the poll asks every second)
            if self._quiet is not None:
                self._quiet.stop()
            self._quiet_since = revision
            self._quiet = self.set_timer(max(QUIET_SECONDS, self._last_seconds),
                                         self.action_refresh)

    def action_refresh(self) -> None:
        """Run the analysis now (after the one running, if one is)."""
        if self._quiet is not None:
            self._quiet.stop()
        self._quiet, self._quiet_since = None, None
        if self._analysing:
            self._run_again = True
            return
        self._analysing = True
        self.query_one(LoadingIndicator).display = True
        status = "Analysing every user and role…" if self.subject is None else "Analysing…"
        if self.findings is not None:
            status = "Analysing again…"
        self.query_one(".escalation-status", Static).update(status)
        self._analyse(session_of(self))

    @work(thread=True, group="escalation")
    def _analyse(self, session: Any) -> None:
        """The findings of the session that asked, whatever happens to it meanwhile."""
        service, principal = session
        revision = service.revision  # read first: a later change runs it again
        started = time.monotonic()
        try:
            arns = [] if self.subject is None else [
                entity_arn(service, principal, *self.subject)]
            findings = service.find_privilege_escalation(principal, arns)
        except IamError as error:
            # a denial is audited, which moves the revision: count that as seen
            deliver(self, self._refused, error, service.revision)
            return
        self._last_seconds = time.monotonic() - started
        deliver(self, self._show, findings, revision)

    def _finished(self, revision: int) -> None:
        """Record the run's end (a result for a view gone meanwhile never comes: deliver)."""
        self._analysing = False
        self.loaded_revision = revision
        self.query_one(LoadingIndicator).display = False
        if self._run_again:
            self._run_again = False
            self.call_later(self.action_refresh)

    def _refused(self, error: IamError, revision: int) -> None:
        self._finished(revision)
        report_error(self, error)
        self.paths_tree.clear()  # what an earlier run found is not to be trusted now
        self.query_one(".escalation-status", Static).update(Text(
            f"Not allowed to read every policy of the account ({error.code}): the analysis "
            "needs iam:GetAccountAuthorizationDetails."))

    def _show(self, findings: list[EscalationFinding], revision: int) -> None:
        self._finished(revision)
        self.findings = findings
        self.query_one(".escalation-status", Static).update(self.summary(findings))
        self._fill(findings)
        self.refresh_bindings()

    def summary(self, findings: list[EscalationFinding]) -> Text:
        """One line: how many can become administrator, how many are."""
        if self.subject is not None:
            kind, name = self.subject
            found = findings[0] if findings else None
            if found is None:
                return Text(f"No path to administrator found for {kind} {name}.")
            if found.is_admin:
                return Text(f"{kind.capitalize()} {name} is an {ADMIN_TEXT}.")
            count = len(found.paths)
            return Text(f"{kind.capitalize()} {name} can become administrator: {count} "
                        f"path{'s' * (count != 1)}, shortest first. enter on a step opens "
                        "its policy.")
        admins = sum(f.is_admin for f in findings)
        risky = len(findings) - admins
        if not findings:
            return Text("No user or role is or can become administrator.")
        return Text(f"{risky} can become administrator · {admins} "
                    f"{'is an administrator' if admins == 1 else 'are administrators'}")

    # ------------------------------------------------------------------ the tree

    def _fill(self, findings: list[EscalationFinding]) -> None:
        """Show `findings`, keeping what was expanded and where the cursor was."""
        tree = self.paths_tree
        expanded = {n.data.principal_arn for n in _nodes(tree.root)
                    if isinstance(n.data, EscalationFinding) and n.is_expanded}
        cursor = tree.cursor_line
        tree.clear()
        if self.subject is not None:  # one principal: its paths at the top
            for finding in findings:  # an administrator has none: the status says so
                self._add_paths(tree.root, finding)
        else:  # those that can become administrator first: they are the risks
            for finding in sorted(findings, key=_finding_order):
                if finding.is_admin:
                    tree.root.add_leaf(finding_label(finding), finding)
                    continue
                node = tree.root.add(finding_label(finding), finding,
                                     expand=finding.principal_arn in expanded)
                self._add_paths(node, finding)
        tree.cursor_line = min(max(cursor, 0), max(tree.last_line, 0))
        self._describe(tree.cursor_node)

    @staticmethod
    def _add_paths(parent: TreeNode[Item], finding: EscalationFinding) -> None:
        for number, path in enumerate(finding.paths, 1):
            node = parent.add(path_label(number, path), path, expand=True)
            for index, step in enumerate(path.steps, 1):
                node.add_leaf(step_label(index, step), step)

    @on(Tree.NodeHighlighted, "#escalation-tree")
    def _highlighted(self, event: Tree.NodeHighlighted[Item]) -> None:
        self._describe(event.node)
        self.refresh_bindings()
        self.paths_tree.refresh_bindings()

    def _describe(self, node: TreeNode[Item] | None) -> None:
        """The whole of the step under the cursor (a tree line is cut at the edge)."""
        data = None if node is None else node.data
        if isinstance(data, EscalationStep):
            text = step_details(data)
        elif isinstance(data, EscalationPath):
            text = Text("A path: its steps, each allowed by the statement named. "
                        + (f"It depends on {data.requires_existing_resource}, which the "
                           "store cannot see. " if data.requires_existing_resource else "")
                        + "f: the changes that break it.")
        elif isinstance(data, EscalationFinding):
            text = Text(data.principal_arn + ("\nIs an administrator." if data.is_admin else
                                              "\nenter: its paths · o: open it"))
        else:
            text = Text("")
        self.query_one(".escalation-step", Static).update(text)

    @on(EscalationTree.StepChosen)
    def _step_chosen(self, event: EscalationTree.StepChosen) -> None:
        event.stop()
        open_deciding_policy(self, event.step, self.trail, self.reload_if_changed)

    # ------------------------------------------------------------------ verbs

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_principal":  # on its own page, the principal is open already
            return self.subject is None and self.is_mounted and \
                self._principal_under_cursor() is not None
        if action == "apply_fix":  # on a path or one of its steps
            return self.is_mounted and self._path_under_cursor() is not None
        return True

    def _under_cursor(self, kind: type[Any]) -> Any:
        """The cursor's node or the nearest above it holding a `kind`, or None."""
        node = self.paths_tree.cursor_node
        while node is not None and not isinstance(node.data, kind):
            node = node.parent
        return None if node is None else node.data

    def _principal_under_cursor(self) -> Subject | None:
        finding = self._under_cursor(EscalationFinding)
        return None if finding is None else principal_of(finding.principal_arn)

    def _path_under_cursor(self) -> tuple[str, EscalationPath] | None:
        """The path under the cursor and whose it is (the tab's subject has no node)."""
        path = self._under_cursor(EscalationPath)
        if path is None:
            return None
        finding = self._under_cursor(EscalationFinding)
        if finding is None:  # the tab: every path is its subject's
            finding = next((f for f in self.findings or () if path in f.paths), None)
        return None if finding is None else (finding.principal_arn, path)

    def action_apply_fix(self) -> None:
        """f: every change that breaks the path under the cursor (each verified by the
        analysis run again with it), smallest first, to pick one from; the confirmation
        shows what it writes, and a yes applies it."""
        chosen = self._path_under_cursor()
        if chosen is None:
            return
        self.query_one(".escalation-status", Static).update(
            "Looking for the changes that break this path…")
        self.query_one(LoadingIndicator).display = True
        self._propose(session_of(self), *chosen)

    @work(thread=True, group="escalation-fix")
    def _propose(self, session: Any, principal_arn: str, path: EscalationPath) -> None:
        service, principal = session
        try:
            report = service.analyse_privilege_escalation(principal, [principal_arn],
                                                          propose_fixes=True)
        except IamError as error:
            deliver(self, self._proposed, [], error)
            return
        deliver(self, self._proposed, fixes_for_path(report, principal_arn, path), None)

    def _proposed(self, fixes: list[FixCandidate], error: IamError | None) -> None:
        self.query_one(LoadingIndicator).display = self._analysing
        if self.findings is not None:
            self.query_one(".escalation-status", Static).update(self.summary(self.findings))
        if error is not None:
            report_error(self, error)
            return
        if not fixes:
            self.notify("No change breaks this path any more (the store changed, or the "
                        "path is gone): press r to run the analysis again.",
                        severity="warning", markup=False)
            return
        rows = [Row(str(number), (str(number + 1), fix.kind, str(fix.permissions_removed),
                                  shorten_arns(fix.description)),
                    (number, fix.kind, fix.permissions_removed, fix.description))
                for number, fix in enumerate(fixes)]

        def picked(key: str | None) -> None:
            if key is not None:
                self._confirm_fix(fixes[int(key)])

        self.app.push_screen(PickerModal(
            "Changes that break this path, fewest permissions removed first",
            FIX_COLUMNS, rows), picked)

    def _confirm_fix(self, fix: FixCandidate) -> None:
        """Ask before applying `fix`, showing the document it writes, if it writes one."""
        service, principal = session_of(self)

        def apply(yes: bool | None) -> None:
            if yes and not isinstance(run_op(
                    self, service.apply_fix_candidate, principal, fix,
                    success=f"Applied: {fix.description}"), Failed):
                self.action_refresh()

        document = fix.parameters.get("PolicyDocument")
        count = fix.permissions_removed
        lost = f"{count} permission{'s' * (count != 1)} lost" + \
            (f": {shorten_arns(', '.join(fix.lost))}" if fix.lost else "")
        self.app.push_screen(ConfirmModal(
            f"Break this path? {fix.operation}: {shorten_arns(fix.description)}. Checked: "
            f"the analysis run again with it finds the path no more; {lost}.",
            confirm="Apply fix", document=None if document is None else pretty(document)),
            apply)

    def action_open_principal(self) -> None:
        """o: the page of the user or role under the cursor."""
        who = self._principal_under_cursor()
        if who is not None:
            self.post_message(OpenEntity(who[0], who[1], trail=self.trail,
                                         on_close=self.reload_if_changed))


def fixes_for_path(report: EscalationReport, principal_arn: str,
                   path: EscalationPath) -> list[FixCandidate]:
    """The changes the report finds for `path` of `principal_arn`, smallest first, matched
    by its steps (the report's own path order may differ from the one shown, if the store
    changed)."""
    finding = next((f for f in report.findings if f.principal_arn == principal_arn), None)
    if finding is None:
        return []
    wanted = path_key(path.steps)
    index = next((i for i, p in enumerate(finding.paths) if path_key(p.steps) == wanted),
                 None)
    return [] if index is None else report.candidates_for(principal_arn, index)


def _finding_order(finding: EscalationFinding) -> tuple[bool, bool, str]:
    """Those that can become administrator first, users before roles, by name."""
    return (finding.is_admin, ":role/" in finding.principal_arn,
            finding.principal_arn.rsplit("/", 1)[-1].casefold())


def _nodes(node: TreeNode[Item]) -> list[TreeNode[Item]]:
    """`node` and every node under it."""
    out = [node]
    for child in node.children:
        out += _nodes(child)
    return out


def escalation_tab(kind: Literal["user", "role"], name: str,
                   trail: tuple[str, ...]) -> TabPane:
    """The "Paths to administrator" tab of a user's or role's page."""
    return TabPane("Paths to administrator",
                   EscalationView((kind, name), trail=trail, id="escalation-view"),
                   id="escalation")
