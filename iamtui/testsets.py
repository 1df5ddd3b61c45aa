"""Saved test sets: the permission tester's question and its expected decisions, kept in a
JSON file and re-run later (the tester's ctrl+l, `iamtui test-policies FILE`) as a
regression suite for policies.

Not a service concern: the service answers the question (`evaluate_subject`); what was
expected, and which decisions changed, is the tester's and its command's. Both the TUI
(screens/tester.py) and the CLI (commands/test_policies.py) use this module; it lives
beside them at the package's top, since screens do not import the CLI's commands.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iamtui.errors import InvalidInput
from iamtui.policy import ContextEntry, Decision, EvalResult, load_json
from iamtui.service.core import Principal
from iamtui.service.who_can import Subject, WhoCanOperations

TEST_SET_VERSION = 1
# A test set lists the tester's cases, about 150 bytes each: 64 MiB is over 400,000 of
# them, more than any run of the tester shows, and bounds what a wrong path (a device,
# a pipe) makes us read.
TEST_SET_MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class TestCase:
    """One expected decision."""

    action: str
    resource: str
    expected: Decision

    __test__ = False  # not a pytest class


@dataclass(frozen=True)
class TestSet:
    """A saved question and its expected answers: re-run it after changing policies."""

    subject: Subject
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    context: tuple[ContextEntry, ...] = ()
    cases: tuple[TestCase, ...] = ()

    __test__ = False  # not a pytest class

    def to_json(self) -> str:
        return json.dumps({
            "Version": TEST_SET_VERSION, "Subject": self.subject.to_dict(),
            "Actions": list(self.actions), "Resources": list(self.resources),
            "Context": [{"ContextKeyName": e.key, "ContextKeyValues": list(e.values),
                         "ContextKeyType": e.type} for e in self.context],
            "Expected": [{"Action": c.action, "Resource": c.resource, "Decision": c.expected}
                         for c in self.cases]}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> TestSet:
        """Read a saved test set (InvalidInput when it is not one)."""
        try:
            data = load_json(text)
            if not isinstance(data, dict) or data.get("Version") != TEST_SET_VERSION:
                raise InvalidInput(f"Not an iamtui test set (Version {TEST_SET_VERSION}).")
            subject = data["Subject"]
            _check_shape(subject, dict, "Subject")
            for key in ("SourceArn", "ResourcePolicy", "CallerArn"):
                _check_shape(subject.get(key), str | None, f"Subject.{key}")
            for key in ("CustomPolicies", "Disabled"):
                _check_strings(subject.get(key) or [], f"Subject.{key}")
            _check_strings(data["Actions"], "Actions")
            _check_strings(data["Resources"], "Resources")
            _check_shape(context := data.get("Context", []), list, "Context")
            _check_shape(expected := data.get("Expected", []), list, "Expected")
            for case in expected:
                _check_shape(case, dict, "Expected")
                _check_strings([case["Action"], case["Resource"], case["Decision"]],
                               "Expected")
            return cls(Subject.from_dict(subject), tuple(data["Actions"]),
                       tuple(data["Resources"]),
                       tuple(ContextEntry.from_aws(e) for e in context),
                       tuple(TestCase(c["Action"], c["Resource"], Decision(c["Decision"]))
                             for c in expected))
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput(f"Not an iamtui test set: {error}") from None

    def save(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TestSet:
        """Read a saved test set: OSError when the file cannot be read, InvalidInput when
        it is not a test set (not UTF-8, over TEST_SET_MAX_BYTES, not the shape)."""
        with path.open("rb") as file:
            data = file.read(TEST_SET_MAX_BYTES + 1)
        if len(data) > TEST_SET_MAX_BYTES:
            raise InvalidInput(f"Not an iamtui test set: it holds more than "
                               f"{TEST_SET_MAX_BYTES >> 20} MiB.")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInput(f"Not an iamtui test set: not UTF-8 text ({error.reason} at "
                               f"byte {error.start}).") from None
        return cls.from_json(text)

    def with_results(self, results: Sequence[EvalResult]) -> TestSet:
        """This set expecting exactly `results` (what the tester shows now)."""
        return TestSet(self.subject, self.actions, self.resources, self.context,
                       tuple(TestCase(r.inputs.request.action, r.inputs.request.resource,
                                      r.decision) for r in results))


def _check_shape(value: Any, kind: Any, where: str) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{where} has the wrong type")


def _check_strings(values: Any, where: str) -> None:
    _check_shape(values, list, where)
    for value in values:
        _check_shape(value, str, where)


@dataclass(frozen=True)
class TestChange:
    """A case whose decision is not the expected one (actual None: no longer asked)."""

    action: str
    resource: str
    expected: Decision
    actual: Decision | None

    __test__ = False


def compare(test_set: TestSet, results: Sequence[EvalResult]) -> list[TestChange]:
    """The expected decisions that changed."""
    actual = {(r.inputs.request.action.lower(), r.inputs.request.resource): r.decision
              for r in results}
    return [TestChange(c.action, c.resource, c.expected,
                       actual.get((c.action.lower(), c.resource)))
            for c in test_set.cases
            if actual.get((c.action.lower(), c.resource)) != c.expected]


def run_test_set(service: WhoCanOperations, caller: Principal,
                 test_set: TestSet) -> tuple[list[EvalResult], list[TestChange]]:
    """Evaluate a saved test set now, and the decisions that changed."""
    results = service.evaluate_subject(caller, test_set.subject, test_set.actions,
                                       test_set.resources, test_set.context)
    return results, compare(test_set, results)


__all__ = ["TEST_SET_MAX_BYTES", "TEST_SET_VERSION", "TestCase", "TestChange", "TestSet",
           "compare", "run_test_set"]
