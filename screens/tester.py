"""The permission tester: may this subject do these actions on these resources, and why?

AWS's policy simulator is the model (IAM User Guide, "Testing IAM policies with the IAM
policy simulator"); ours also says why: on each result row, the layer that decided,
the deciding statement highlighted inside its document, and the conditions that failed.

Keys (also in the footer): f2 subject (a user, group or role), f3 a custom policy in
the JSON editor, f4 a resource-based policy, f5 or ctrl+r run, f6 the "signed in with
MFA" preset, f7 the "source IP" preset, f8 who can, f10 web identity (may an OIDC token
assume a role), ctrl+s save the test set, ctrl+l load one (its changed decisions are
marked). Space in the policy list switches one off.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from rich.style import Style
from textual import on, work
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import Footer, Input, Label, SelectionList, Static, TextArea
from textual.widgets.text_area import Selection

from iamtui.errors import IamError
from iamtui.local_paths import expand_home
from iamtui.policy import (
    ContextEntry,
    Decision,
    EvalResult,
    Layer,
    PolicyInput,
    PolicyType,
    compile_policy,
    explain,
)
from iamtui.policy.completion import (
    complete_action,
    context_key_type,
    expansion_hint,
    relevant_context_keys,
    resource_applies,
)
from iamtui.policy.explain import StatementTrace
from iamtui.policy.grammar import Statement
from iamtui.screens.modals import Field, FormModal
from iamtui.screens.ops import report_error
from iamtui.screens.paths import remember_path, suggested_path
from iamtui.screens.policy_editor import PolicyEditorScreen
from iamtui.screens.session import session_of
from iamtui.screens.web_identity import WebIdentityScreen
from iamtui.screens.widgets.catalog_suggesters import ConditionKeySuggester, ResourceSuggester
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.resource_table import Column, ResourceTable, Row
from iamtui.screens.workers import deliver
from iamtui.service.who_can import Subject, compile_custom, context_key_types, mentioned_actions
from iamtui.testsets import TestSet, compare

DECISION_STYLES = {Decision.ALLOWED: Style(color="green", bold=True),
                   Decision.EXPLICIT_DENY: Style(color="red", bold=True),
                   Decision.IMPLICIT_DENY: Style(color="yellow", bold=True)}
PRESETS = {
    "mfa": [ContextEntry("aws:MultiFactorAuthPresent", ("true",), "boolean"),
            ContextEntry("aws:MultiFactorAuthAge", ("60",), "numeric")],
    "ip": [ContextEntry("aws:SourceIp", ("203.0.113.10",), "ip")],
}
LAYER_WORDS = {Layer.IDENTITY: "identity-based policy", Layer.BOUNDARY: "permissions boundary",
               Layer.RESOURCE: "resource-based policy", Layer.CROSS_ACCOUNT: "cross-account"}
NO_MATCH = "no statement allows it"
NO_POLICIES = "Policies: none (f2, f3)"
NARROW_WIDTH = 100  # below it the explanation and the statement stack


def decided_by_words(result: EvalResult) -> str:
    """The "Decided by" cell: the layer whose statement decided; an implicit deny has no
    deciding statement, so it says which allow was missing (IAM User Guide, "Policy
    evaluation logic")."""
    if result.decision != Decision.IMPLICIT_DENY:
        return LAYER_WORDS.get(result.decided_by, result.decided_by or "-")
    if result.decided_by == Layer.BOUNDARY:
        return "boundary doesn't allow"
    if result.cross_account:
        return ("no resource-based allow" if result.decided_by == Layer.RESOURCE
                else "no identity-based allow")
    return NO_MATCH


def _decision_style(column: str, cell: str) -> Style | None:
    if column in ("decision", "expected"):
        return DECISION_STYLES.get(cell.rstrip(" ≠"))
    return None


def nothing_matched(result: EvalResult) -> str:
    """The line for an implicit deny where no statement's Action covers the action."""
    inputs = result.inputs
    count = (len(inputs.identity) + len(inputs.boundaries)
             + (inputs.resource_policy is not None))
    if not count:
        return f"{Decision.IMPLICIT_DENY}: no policy is switched on, so nothing matched"
    return (f"{Decision.IMPLICIT_DENY}: no statement of the {count} "
            f"{'policy' if count == 1 else 'policies'} tested covers "
            f"{inputs.request.action}, so nothing matched")


def _decided(result: EvalResult) -> str:
    """Who decided; "not applicable" first when the resource is of no type the action
    takes (the IAM policy simulator's word; Service Authorization Reference)."""
    request = result.inputs.request
    if resource_applies(request.action, request.resource) is False:
        return f"not applicable · {decided_by_words(result)}"
    return decided_by_words(result)


def split_list(text: str) -> list[str]:
    """`a, b c` -> [a, b, c]: actions and ARNs never hold commas or spaces."""
    return [part for part in text.replace(",", " ").split() if part]


def wildcard_hint(actions: list[str]) -> str:
    """What the last wildcard of the typed actions covers (`s3:Get* covers 63 actions:
    ...`), or ""."""
    wild = [a for a in actions if any(c in a for c in "*?")]
    return expansion_hint(wild[-1]) if wild else ""


class ListSuggester(Suggester):
    """Completes the last word of a comma- or space-separated list from `choices`."""

    def __init__(self, choices: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.choices = choices

    async def get_suggestion(self, value: str) -> str | None:
        cut = max(value.rfind(","), value.rfind(" ")) + 1
        word = value[cut:].lower()
        if not word:
            return None
        for choice in self.choices:
            if choice.lower().startswith(word) and len(choice) > len(word):
                return value[:cut] + choice
        rest = complete_action(value[cut:])  # then any of AWS's actions (the catalog)
        return value + rest if rest else None


def deciding_trace(result: EvalResult, traces: tuple[StatementTrace, ...]
                   ) -> StatementTrace | None:
    """The statement to show: the one that decided, or for an implicit deny the first
    that covered the action but did not apply (its failing part is what to fix)."""
    applied = [t for t in traces if t.applies]
    if result.decision == Decision.EXPLICIT_DENY:
        return next((t for t in applied if t.statement.is_deny), None)
    if result.decision == Decision.ALLOWED:
        return next((t for t in applied if not t.statement.is_deny), None)
    return next((t for t in traces if t.action_matches and not t.applies), None)


def readable_statement(shown: StatementTrace) -> tuple[str, Statement]:
    """The statement's document, indented when it was stored on one line (as the CLI and
    imports store them), and the statement with positions in the text shown."""
    compiled = shown.source.policy
    statement = shown.statement.statement
    text = compiled.document.text
    if text.count("\n") > 2:
        return text, statement
    try:
        pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        again = compile_policy(pretty, compiled.policy_type).document.statements
    except (ValueError, IamError):
        return text, statement
    if statement.index < len(again):
        return pretty, again[statement.index]
    return text, statement


def statement_selection(text: str, start_line: int, start_column: int, end_line: int,
                        end_column: int) -> Selection:
    """The selection of a statement from its StartPosition..EndPosition (1-based; the
    engine's start column sits just inside the opening brace, AWS-style), brace included."""
    lines = text.split("\n")
    row, col = start_line - 1, start_column - 1
    if 0 <= row < len(lines):
        before = lines[row][:col].rstrip()
        if before.endswith("{"):
            col = len(before) - 1
    return Selection((row, max(0, col)), (end_line - 1, max(0, end_column - 1)))


class TesterSection(Vertical):
    """The tester: subject and inputs on top, results in the middle, the why below."""

    DEFAULT_CSS = """
    TesterSection { height: 1fr; }
    TesterSection .section-title { text-style: bold; padding: 0 1; height: 1; }
    TesterSection .field { height: 1; }
    TesterSection .field > Label { width: 12; color: $text-muted; }
    TesterSection .field > Input { width: 1fr; }
    TesterSection #tester-extras { height: auto; max-height: 6; }
    TesterSection #tester-context { width: 3fr; height: auto; }
    TesterSection #tester-policies { width: 2fr; min-width: 24; height: auto; }
    TesterSection #policies { height: auto; max-height: 5; border: none; padding: 0; }
    TesterSection #context { height: auto; max-height: 5; }
    TesterSection .ctx-row { height: 1; }
    TesterSection .ctx-key { width: auto; max-width: 80%; color: $text-muted; padding-right: 1; }
    TesterSection .ctx-row > Input { width: 1fr; }
    TesterSection .hint { color: $text-muted; height: 1; }
    TesterSection #actions-hint { padding-left: 12; display: none; }
    TesterSection #actions-hint.-shown { display: block; }
    TesterSection #context-key { height: 1; }
    TesterSection #results { height: 1fr; min-height: 4; }
    TesterSection #why-row { height: 2fr; min-height: 6; max-height: 16; display: none; }
    TesterSection.-ran #why-row { display: block; }
    TesterSection #why { width: 2fr; height: 1fr; padding: 0 1; overflow-y: auto; }
    TesterSection #statement-doc { width: 3fr; height: 1fr; display: none; }
    TesterSection #why-row.-statement #statement-doc { display: block; }
    TesterSection.-narrow #results { height: auto; max-height: 8; min-height: 3; }
    TesterSection.-narrow #why-row { layout: vertical; height: 1fr; max-height: 100%; }
    TesterSection.-narrow #why { width: 1fr; height: auto; max-height: 8; }
    TesterSection.-narrow #statement-doc { width: 1fr; height: 1fr; min-height: 3; }
    """
    __test__ = False  # its name starts with Test: not a pytest class
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "pick_subject", "Subject", id="tester.subject"),
        Binding("f3", "custom_policy", "Custom policy", id="tester.custom_policy"),
        Binding("f4", "resource_policy", "Resource policy", show=False,
                id="tester.resource_policy"),
        Binding("f5,ctrl+r", "run", "Run", id="tester.run"),
        Binding("f6", "preset('mfa')", "MFA preset", show=False, id="tester.mfa_preset"),
        Binding("f7", "preset('ip')", "Source IP preset", show=False, id="tester.source_ip_preset"),
        Binding("f8", "who_can", "Who can", id="tester.who_can"),
        Binding("f10", "web_identity", "Web identity", show=False,
                id="tester.web_identity"),
        Binding("ctrl+s", "save_set", "Save set", id="tester.save_set"),
        Binding("ctrl+l", "load_set", "Load set", show=False, id="tester.load_set"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.subject = Subject()
        self.subject_label = "f2 picks a subject, f3 types a policy"
        self.stored: list[tuple[str, Layer, PolicyInput]] = []  # (source id, layer, policy)
        self.context_types: dict[str, str] = {}
        self.results: list[EvalResult] = []
        self.loaded: TestSet | None = None
        self.suggester = ListSuggester([])

    def compose(self) -> ComposeResult:
        yield Static(f"Permission tester · {self.subject_label}", classes="section-title",
                     id="subject-line")
        # labels beside the inputs, not placeholders: a placeholder goes once one types
        with Horizontal(classes="field"):
            yield Label("Actions")
            yield Input(placeholder="s3:GetObject, s3:* (→ completes)", id="actions",
                        compact=True, suggester=self.suggester)
        # what a typed wildcard covers, shown only while one is typed
        yield Static("", id="actions-hint", classes="hint")
        with Horizontal(classes="field"):
            yield Label("Resources")
            yield Input(placeholder="* (ARNs, comma-separated)", id="resources", compact=True,
                        suggester=ResourceSuggester(self.typed_actions))
        with Horizontal(classes="field"):
            yield Label("Caller ARN")
            yield Input(placeholder="optional: who calls, for resource-based policies",
                        id="caller-arn", compact=True)
        with Horizontal(id="tester-extras"):
            with Vertical(id="tester-context"):
                # enter adds the key typed; it completes to the keys the actions support
                yield Input(placeholder="Context: + key, f6 MFA, f7 IP",
                            id="context-key", compact=True,
                            suggester=ConditionKeySuggester(self.typed_actions))
                yield VerticalScroll(id="context")
            with Vertical(id="tester-policies"):
                yield Static(NO_POLICIES, classes="hint", id="policies-hint")
                yield SelectionList[str](id="policies", compact=True)
        yield ResourceTable((Column("action", "Action", 36), Column("decision", "Decision", 14),
                             Column("resource", "Resource", 48),
                             Column("decided", "Decided by", 24),
                             Column("expected", "Expected", 14)),
                            styler=_decision_style, id="results",
                            empty_text="Type actions and press f5 (or enter) to run.")
        with Horizontal(id="why-row"):
            yield Static("", id="why")
            # soft-wrapped: at 80 columns a statement's lines are wider than its pane
            yield TextArea("", read_only=True, show_line_numbers=True, id="statement-doc",
                           soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one("#statement-doc", TextArea).cursor_blink = False

    def on_resize(self) -> None:
        # narrow (80 columns): the explanation above its statement, each the full width,
        # so the explanation reads whole instead of cut in a third of the width
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    def focus_home(self) -> None:
        """Where the keys go when the tester is chosen: the results once there are some,
        else the actions input, where a test starts."""
        if self.results:
            self.query_one("#results", ResourceTable).focus()
        else:
            self.query_one("#actions", Input).focus()

    # ------------------------------------------------------------------ subject

    def action_pick_subject(self) -> None:
        service, principal = session_of(self)
        rows = [Row("-", ("custom", "(no stored subject: custom policies only)"))]
        try:
            rows += [Row(u.arn, ("user", u.user_name)) for u in service.list_users(principal)]
            rows += [Row(g.arn, ("group", g.group_name))
                     for g in service.list_groups(principal)]
            rows += [Row(r.arn, ("role", r.role_name)) for r in service.list_roles(principal)]
        except IamError as error:
            report_error(self, error)
        self.app.push_screen(PickerModal("Test the permissions of…",
                                         (Column("kind", "Kind", 8), Column("name", "Name")),
                                         rows), self._subject_picked)

    def _subject_picked(self, arn: str | None) -> None:
        if arn is None:
            return
        self.set_subject(None if arn == "-" else arn)

    def set_subject(self, arn: str | None, *, disabled: frozenset[str] = frozenset()) -> None:
        """Test `arn`'s policies (None: custom policies only); custom ones stay."""
        service, principal = session_of(self)
        stored = []
        if arn is not None:
            try:
                stored = [(p.source_id, p.layer, p.policy)
                          for p in service.subject_policies(principal, arn)]
            except IamError as error:
                report_error(self, error)
                return
        self.stored = stored
        self.subject = Subject(arn, self.subject.custom_policies, self.subject.resource_policy,
                               self.subject.caller_arn, disabled)
        kind_name = arn.split(":", 5)[5].replace("/", " ", 1) if arn else "custom policies"
        self.subject_label = kind_name
        self._refresh_policies()

    def test_this(self, *, source_arn: str | None = None,
                  policy_arn: str | None = None) -> None:
        """Start over on one subject: a user, group or role, or a managed policy's default
        version as a custom policy (what it would allow on its own)."""
        custom: tuple[str, ...] = ()
        label = None
        if policy_arn is not None:
            service, principal = session_of(self)
            try:
                policy = service.get_policy(principal, policy_arn)
                version = service.get_policy_version(principal, policy_arn,
                                                     policy.default_version_id)
            except IamError as error:
                report_error(self, error)
                return
            custom = (version.document,)
            label = f"policy {policy.policy_name} (as custom policy 1)"
        self.subject = Subject(None, custom)
        if label is None:
            self.set_subject(source_arn)
        else:
            self.stored, self.subject_label = [], label
            self._refresh_policies()
        self.query_one("#actions", Input).focus()

    def _all_inputs(self) -> list[tuple[str, Layer, PolicyInput]]:
        custom = [(f"custom-{i + 1}", Layer.IDENTITY, compile_custom(text, i))
                  for i, text in enumerate(self.subject.custom_policies)]
        return self.stored + custom

    def _refresh_policies(self) -> None:
        everything = self._all_inputs()
        selection = self.query_one("#policies", SelectionList)
        selection.clear_options()
        for source_id, layer, _ in everything:
            label = f"{'boundary: ' if layer == Layer.BOUNDARY else ''}{source_id}"
            selection.add_option((label, source_id, source_id not in self.subject.disabled))
        policies = [p for _, _, p in everything]
        self.suggester.choices = mentioned_actions(policies)
        if self.subject.resource_policy:
            self.suggester.choices += [a for a in mentioned_actions(
                [compile_custom(self.subject.resource_policy, 0)]) if a not in
                self.suggester.choices]
        self._refresh_context(context_key_types(policies))
        off = len(self.subject.disabled)
        self.query_one("#policies-hint", Static).update(
            "Policies (space: on/off)" if everything else NO_POLICIES)
        self.query_one("#subject-line", Static).update(
            f"Permission tester · {self.subject_label} · {len(everything)} "
            f"{'policy' if len(everything) == 1 else 'policies'}"
            + (f", {off} off" if off else "")
            + (" · resource policy set" if self.subject.resource_policy else ""))

    def _refresh_context(self, types: dict[str, str],
                         preset: dict[str, tuple[str, ...]] | None = None, *,
                         replace: bool = False) -> AwaitComplete:
        """One input per context key of `types` (and those shown already), holding what
        it held merged with `preset`; `replace`: only `preset`'s values (a loaded set).
        Await the result to read the new inputs."""
        box = self.query_one("#context", VerticalScroll)
        values = dict(preset or {}) if replace else self.context_values() | (preset or {})
        keep = {**self.context_types, **types}
        self.context_types = keep
        removed = box.remove_children()
        # the type is the input's placeholder: a key and its type overflow 80 columns
        mounted = box.mount_all(Horizontal(Label(key, classes="ctx-key"),
                                           Input(", ".join(values.get(key, ())),
                                                 placeholder=ctype, compact=True, name=key),
                                           classes="ctx-row")
                                for key, ctype in keep.items())
        self.show_relevant_context()
        return AwaitComplete(removed, mounted)

    def typed_actions(self) -> list[str]:
        """The actions typed in the actions input."""
        return split_list(self.query_one("#actions", Input).value)

    @on(Input.Changed, "#actions")
    def _actions_changed(self) -> None:
        self.show_relevant_context()
        hint = wildcard_hint(self.typed_actions())
        shown = self.query_one("#actions-hint", Static)
        shown.update(Content(hint))
        shown.set_class(bool(hint), "-shown")

    def add_context_key(self, key: str) -> AwaitComplete:
        """A context input for `key` (typed as the catalog knows it), focused once there."""
        async def add() -> None:
            await self._refresh_context({key: self.context_types.get(
                key, context_key_type(key))})
            for field in self.query("#context Input").results(Input):
                if field.name == key:
                    field.focus()
        return AwaitComplete(add())

    def show_relevant_context(self) -> None:
        """Ask only for the context keys the typed actions support, and global ones."""
        actions = split_list(self.query_one("#actions", Input).value)
        keys = list(self.context_types)
        relevant = set(relevant_context_keys(keys, actions)) if actions else set(keys)
        for field in self.query("#context Input").results(Input):
            if field.parent is not None:
                field.parent.display = field.name in relevant

    def context_values(self) -> dict[str, tuple[str, ...]]:
        out = {}
        for field in self.query("#context Input").results(Input):
            values = tuple(split_list(field.value))
            if values and field.name:
                out[field.name] = values
        return out

    def context_entries(self) -> list[ContextEntry]:
        """What the context inputs say, typed as the policies' operators read them."""
        return [ContextEntry(key, values, self.context_types.get(key, "string"))
                for key, values in self.context_values().items()]

    def action_preset(self, name: str) -> None:
        """Fill in a one-key preset: signed in with MFA, or a source IP."""
        entries = PRESETS[name]
        self._refresh_context({e.key: e.type for e in entries},
                              {e.key: e.values for e in entries})
        self.notify(f"Context: {', '.join(e.key for e in PRESETS[name])} set")

    @on(SelectionList.SelectedChanged, "#policies")
    def _policies_switched(self, event: SelectionList.SelectedChanged) -> None:
        chosen = set(event.selection_list.selected)
        every = {source_id for source_id, _, _ in self._all_inputs()}
        disabled = frozenset(every - chosen)
        if disabled != self.subject.disabled:
            self.subject = Subject(self.subject.source_arn, self.subject.custom_policies,
                                   self.subject.resource_policy, self.subject.caller_arn,
                                   disabled)
            if self.results:
                self.action_run()

    def action_custom_policy(self) -> None:
        template = ('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n'
                    '      "Effect": "Allow",\n      "Action": "s3:GetObject",\n'
                    '      "Resource": "*"\n    }\n  ]\n}\n')

        def keep(text: str) -> bool:
            self.subject = Subject(self.subject.source_arn,
                                   (*self.subject.custom_policies, text),
                                   self.subject.resource_policy, self.subject.caller_arn,
                                   self.subject.disabled)
            self._refresh_policies()
            return True

        self.app.push_screen(PolicyEditorScreen(
            f"Custom policy {len(self.subject.custom_policies) + 1} for the tester", template,
            PolicyType.IDENTITY, keep, save_label="Use"))

    def action_resource_policy(self) -> None:
        template = self.subject.resource_policy or (
            '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n'
            '      "Effect": "Allow",\n      "Principal": {"AWS": "arn:aws:iam::'
            '111122223333:root"},\n      "Action": "s3:GetObject",\n'
            '      "Resource": "arn:aws:s3:::bucket/*"\n    }\n  ]\n}\n')

        def keep(text: str) -> bool:
            self.subject = Subject(self.subject.source_arn, self.subject.custom_policies,
                                   text, self.subject.caller_arn, self.subject.disabled)
            self._refresh_policies()
            return True

        self.app.push_screen(PolicyEditorScreen("Resource-based policy for the tester",
                                                template, PolicyType.RESOURCE, keep,
                                                save_label="Use"))

    # ------------------------------------------------------------------ running

    @on(Input.Submitted, "#actions, #resources, #caller-arn, #context Input")
    def _run_on_enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    @on(Input.Submitted, "#context-key")
    def _add_typed_key(self, event: Input.Submitted) -> None:
        event.stop()
        key = event.value.strip()
        if key:
            event.input.value = ""
            self.add_context_key(key)

    def question(self) -> tuple[Subject, list[str], list[str], list[ContextEntry]]:
        caller_arn = self.query_one("#caller-arn", Input).value.strip() or None
        subject = Subject(self.subject.source_arn, self.subject.custom_policies,
                          self.subject.resource_policy, caller_arn, self.subject.disabled)
        actions = split_list(self.query_one("#actions", Input).value)
        resources = split_list(self.query_one("#resources", Input).value) or ["*"]
        return subject, actions, resources, self.context_entries()

    def action_run(self) -> None:
        subject, actions, resources, context = self.question()
        if subject.source_arn is None and not subject.custom_policies:
            self.notify("Pick a subject (f2) or type a custom policy (f3) first.",
                        severity="warning")
            return
        if not actions:
            self.notify("Type at least one action, e.g. s3:GetObject.", severity="warning")
            self.query_one("#actions", Input).focus()
            return
        self.evaluate(subject, actions, resources, context)

    @work(thread=True, exclusive=True, group="tester")
    def evaluate(self, subject: Subject, actions: list[str], resources: list[str],
                 context: list[ContextEntry]) -> None:
        """Evaluate off the event loop: a whole service times many resources adds up."""
        service, principal = session_of(self)
        try:
            results = service.evaluate_subject(principal, subject, actions, resources, context)
        except IamError as error:
            deliver(self, report_error, self, error)
            return
        deliver(self, self.show_results, results)

    def show_results(self, results: list[EvalResult]) -> None:
        """Fill the table (and the expected column when a saved set is loaded)."""
        self.results = results
        expected = {(c.action.lower(), c.resource): c.expected
                    for c in (self.loaded.cases if self.loaded else ())}
        rows = []
        for i, r in enumerate(results):
            request = r.inputs.request
            want = expected.get((request.action.lower(), request.resource), "")
            mark = " ≠" if want and want != r.decision else ""
            rows.append(Row(str(i), (request.action, r.decision, request.resource,
                                     _decided(r), want + mark)))
        table = self.query_one("#results", ResourceTable)
        table.set_rows(rows)
        self.add_class("-ran")
        table.cursor = 0
        table.focus()  # up/down walk the results; digits switch sections again
        self.show_explanation(0)
        if self.loaded is not None:
            changed = compare(self.loaded, results)
            self.notify(f"{len(changed)} decisions changed" if changed else
                        "Every decision is as expected",
                        severity="warning" if changed else "information")

    @on(ResourceTable.Highlighted, "#results")
    def result_highlighted(self, event: ResourceTable.Highlighted) -> None:
        if event.key is not None:
            self.show_explanation(int(event.key))

    def show_explanation(self, index: int) -> None:
        """The why of one result: summary, details, the statement inside its document."""
        if not 0 <= index < len(self.results):
            return
        result = self.results[index]
        why = explain(result)
        shown = deciding_trace(result, why.traces)
        lines = [why.summary, *(f"• {d}" for d in why.details)]
        if result.decision == Decision.IMPLICIT_DENY and not any(t.action_matches
                                                                 for t in why.traces):
            lines.append(f"• {nothing_matched(result)}")
        if result.missing_context:
            lines.append("MissingContextValues: " + ", ".join(result.missing_context))
        self.query_one("#why", Static).update("\n".join(lines))
        doc = self.query_one("#statement-doc", TextArea)
        # no statement to show: the explanation takes the whole row, no empty editor
        self.query_one("#why-row").set_class(shown is not None, "-statement")
        if shown is None:
            doc.load_text("")
            doc.border_title = None
            return
        text, st = readable_statement(shown)
        doc.load_text(text)
        doc.border_title = shown.label
        doc.selection = statement_selection(doc.text, st.start.line, st.start.column,
                                            st.end.line, st.end.column)
        # the statement's first lines in view, not its end where the cursor is
        doc.call_after_refresh(self._scroll_to_line, doc, max(0, st.start.line - 1))

    @staticmethod
    def _scroll_to_line(doc: TextArea, row: int) -> None:
        # soft-wrapped: the document's row sits lower on screen by the wraps above it
        y = doc.wrapped_document.location_to_offset((row, 0)).y
        doc.scroll_to(x=0, y=y, animate=False)

    # ------------------------------------------------------------------ saved sets

    def action_save_set(self) -> None:
        if not self.results:
            self.notify("Run the tester first: a test set keeps its decisions.",
                        severity="warning")
            return
        subject, actions, resources, context = self.question()
        test_set = TestSet(subject, tuple(actions), tuple(resources),
                           tuple(context)).with_results(self.results)

        def done(values: dict[str, str] | None) -> None:
            if not values:
                return
            path = expand_home(values["path"])
            try:
                test_set.save(path)
            except OSError as error:
                self.notify(f"Could not write {path}: {error.strerror}", severity="error",
                            markup=False)
                return
            remember_path(self, "test-set", path)
            self.notify(f"Saved {len(test_set.cases)} expected decisions to {path}; re-run "
                        f"with `iamtui test-policies {path}`", markup=False)

        self.app.push_screen(FormModal("Save the test set", [
            Field("path", "File", suggested_path(self, "test-set", "policy-tests.json"))],
            submit="Save"), done)

    def action_load_set(self) -> None:
        async def done(values: dict[str, str] | None) -> None:
            if values:
                await self.load_set(expand_home(values["path"]))

        self.app.push_screen(FormModal("Load a test set", [
            Field("path", "File", suggested_path(self, "test-set", "policy-tests.json"))],
            submit="Load"), done)

    async def load_set(self, path: Path) -> None:
        """Load a saved set into every input (subject, actions, resources, caller, context)
        and run what the inputs then show; changed decisions are marked ≠."""
        try:
            test_set = TestSet.load(path)
        except OSError as error:
            self.notify(f"Could not read {path}: {error.strerror}", severity="error", markup=False)
            return
        except IamError as error:
            report_error(self, error)
            return
        remember_path(self, "test-set", path)
        self.loaded = test_set
        self.subject = Subject(None, test_set.subject.custom_policies,
                               test_set.subject.resource_policy, test_set.subject.caller_arn)
        self.set_subject(test_set.subject.source_arn, disabled=test_set.subject.disabled)
        self.query_one("#actions", Input).value = ", ".join(test_set.actions)
        self.query_one("#resources", Input).value = ", ".join(test_set.resources)
        self.query_one("#caller-arn", Input).value = test_set.subject.caller_arn or ""
        # the set's context replaces what was typed: F5 then asks the same question
        await self._refresh_context({e.key: e.type for e in test_set.context},
                                    {e.key: e.values for e in test_set.context}, replace=True)
        self.action_run()

    # ------------------------------------------------------------------ who can

    def action_who_can(self) -> None:
        action, resource = "", "*"
        table = self.query_one("#results", ResourceTable)
        if table.current_key is not None:
            request = self.results[int(table.current_key)].inputs.request
            action, resource = request.action, request.resource
        self.app.push_screen(WhoCanScreen(action, resource, self.context_entries()))


    def action_web_identity(self) -> None:
        """May a token of an OIDC provider assume the role (the subject, when a role)?"""
        arn = self.subject.source_arn or ""
        self.app.push_screen(WebIdentityScreen(arn if ":role/" in arn else ""))


class WhoCanScreen(Screen[None]):
    """Every user and role that may do an action on a resource, and the statement why."""

    DEFAULT_CSS = """
    WhoCanScreen > .title { background: $boost; text-style: bold; padding: 0 1; }
    WhoCanScreen Input { width: 1fr; }
    WhoCanScreen > Horizontal { height: auto; }
    WhoCanScreen #who-status { color: $text-muted; height: 1; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", id="who_can.back")]

    def __init__(self, action: str = "", resource: str = "*",
                 context: list[ContextEntry] | None = None) -> None:
        super().__init__()
        self.action, self.resource, self.context = action, resource, context or []

    def compose(self) -> ComposeResult:
        yield Static("Who can… (enter runs; every user and role in the store)",
                     classes="title")
        with Horizontal():
            yield Label(" Action ")
            yield Input(self.action, placeholder="s3:GetObject", id="who-action",
                        compact=True)
            yield Label(" Resource ")
            yield Input(self.resource, placeholder="*", id="who-resource", compact=True)
        yield ResourceTable((Column("kind", "Kind", 6), Column("name", "Name", 32),
                             Column("decision", "Decision", 14),
                             Column("statement", "Allowed by, or why not", 80)),
                            styler=_decision_style, id="who-table",
                            empty_text="Type an action and a resource, then enter.")
        yield Static("", id="who-status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#who-action", Input).focus()
        if self.action:
            self.run_query()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_query()

    def run_query(self) -> None:
        action = self.query_one("#who-action", Input).value.strip()
        resource = self.query_one("#who-resource", Input).value.strip() or "*"
        if action:
            self.query_who(action, resource)

    @work(thread=True, exclusive=True)
    def query_who(self, action: str, resource: str) -> None:
        service, principal = session_of(self)
        try:
            # the denied too, each with the engine's reason: who may not, and why not
            found = service.who_can(principal, action, resource, self.context,
                                    include_denied=True)
        except IamError as error:
            deliver(self, report_error, self, error)
            return
        rows = [Row(e.arn, (e.kind, e.name, e.decision, e.statement or e.decided_by))
                for e in found]
        deliver(self, self._show, rows, action, resource)

    def _show(self, rows: list[Row], action: str, resource: str) -> None:
        table = self.query_one("#who-table", ResourceTable)
        table.empty_text = f"No user or role to ask about {action} on {resource}."
        table.set_rows(rows)
        may = sum(1 for r in rows if r.cells[2] == Decision.ALLOWED)
        self.query_one("#who-status", Static).update(
            f"{may} may, {len(rows) - may} may not do {action} on {resource}")

    def action_back(self) -> None:
        self.dismiss(None)
