"""Property: any sequence of version operations keeps AWS's version rules.

IAM User Guide, "Versioning IAM policies": at most five versions, exactly one default,
the default cannot be deleted, and version IDs are never reused. Checked against a
plain model of the same rules, operation by operation (hypothesis stateful testing).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import hypothesis.strategies as st
from helpers import ACCOUNT_ID, ROOT_PASSWORD, FakeClock
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from iamtui.errors import DeleteConflict, LimitExceeded, NoSuchEntity
from iamtui.service import IamService


def doc(n: int) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": f"s3:Action{n}", "Resource": "*"}]})


class PolicyVersions(RuleBasedStateMachine):
    """One policy; create, delete and promote versions in any order."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        base = Path(self.tmp.name)
        self.service = IamService.initialize(base / "db" / "iamtui.json",
                                             root_password=ROOT_PASSWORD,
                                             account_id=ACCOUNT_ID, clock=FakeClock(),
                                             keys_dir=base / "keys")
        self.root = self.service.root_principal()
        self.arn = self.service.create_policy(self.root, "p", doc(0)).arn
        self.model: dict[int, str] = {1: doc(0)}  # version number -> document
        self.default = 1
        self.highest = 1
        self.counter = 0

    def teardown(self) -> None:
        self.service.close()
        self.tmp.cleanup()

    @rule(as_default=st.booleans())
    def create(self, as_default: bool) -> None:
        self.counter += 1
        text = doc(self.counter)
        if len(self.model) == 5:
            try:
                self.service.create_policy_version(self.root, self.arn, text)
            except LimitExceeded:
                return
            raise AssertionError("a sixth version was accepted")
        version = self.service.create_policy_version(self.root, self.arn, text,
                                                     set_as_default=as_default)
        self.highest += 1
        assert version.version_id == f"v{self.highest}"
        self.model[self.highest] = text
        if as_default:
            self.default = self.highest

    @rule(pick=st.integers(0, 10))
    def delete(self, pick: int) -> None:
        number = pick if pick in self.model or pick == 0 else sorted(self.model)[
            pick % len(self.model)]
        if number == 0:
            number = self.highest + 1  # a version that never existed
        try:
            self.service.delete_policy_version(self.root, self.arn, f"v{number}")
        except DeleteConflict:
            assert number == self.default
            return
        except NoSuchEntity:
            assert number not in self.model
            return
        assert number in self.model and number != self.default
        del self.model[number]

    @rule(pick=st.integers(0, 10))
    def promote(self, pick: int) -> None:
        number = sorted(self.model)[pick % len(self.model)]
        self.service.set_default_policy_version(self.root, self.arn, f"v{number}")
        self.default = number

    @invariant()
    def matches_the_model(self) -> None:
        versions = self.service.list_policy_versions(self.root, self.arn)
        assert {int(v.version_id[1:]): v.document for v in versions} == self.model
        assert [v.version_id for v in versions if v.is_default_version] == [f"v{self.default}"]
        assert self.service.get_policy(self.root, self.arn).default_version_id == \
            f"v{self.default}"


PolicyVersions.TestCase.settings = settings(
    max_examples=25, stateful_step_count=15, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_policy_versions = PolicyVersions.TestCase
