"""The policy editor's live findings are Access Analyzer's (IAM User Guide, "IAM policy
validation check reference"), each span underlined, and checking never blocks typing."""

from __future__ import annotations

import threading

from test_tui_editor import Host, _checked
from tui_helpers import type_text, wait_for_workers

from iamtui.policy import PolicyType
from iamtui.screens import policy_editor
from iamtui.screens.widgets.findings_editor import highlight_name

# Issue 13's example: a misspelled action, a key S3 does not have, s3:ListBucket on an
# object ARN.
EXAMPLE = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObjekt", "s3:ListBucket"],
      "Resource": "arn:aws:s3:::b/*",
      "Condition": {"StringEquals": {"s3:prefixx": "a"}}
    }
  ]
}"""


async def test_the_editor_shows_access_analyzers_findings_underlined() -> None:
    """"Error – Invalid action", "Error – Invalid service condition key" and iamtui's
    resource-type warning, each underlined where it points."""
    app = Host(EXAMPLE)
    async with app.run_test(size=(120, 30)) as pilot:
        await _checked(pilot)
        findings = app.editor.findings
        assert [f.issue_code for f in findings] == [
            "INVALID_ACTION", "INVALID_SERVICE_CONDITION_KEY", "IAMTUI_RESOURCE_TYPE_MISMATCH"]
        marks = app.editor.editor.finding_highlights
        line = EXAMPLE.split("\n")[5]
        start = line.index('"s3:GetObjekt"')
        assert (5, start, start + len('"s3:GetObjekt"'), "finding.error") in marks
        assert {name for *_, name in marks} == {highlight_name(f) for f in findings}
        # fixing the action takes its underline away
        app.editor.editor.load_text(EXAMPLE.replace("GetObjekt", "GetObject"))
        await _checked(pilot)
        assert "INVALID_ACTION" not in [f.issue_code for f in app.editor.findings]
        assert all(row != 5 or name != "finding.error"
                   for row, _, _, name in app.editor.editor.finding_highlights)


async def test_a_trust_policy_is_checked_as_one() -> None:
    """A trust policy is AWS::IAM::AssumeRolePolicyDocument: only sts actions belong."""
    trust = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
             '{"Service": "ec2.amazonaws.com"}, "Action": "s3:GetObject"}]}')
    app = Host(trust, policy_type=PolicyType.TRUST)
    async with app.run_test(size=(120, 30)) as pilot:
        await _checked(pilot)
        assert "UNSUPPORTED_ACTION_IN_POLICY" in [f.issue_code for f in app.editor.findings]


async def test_typing_goes_on_while_a_check_runs(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Validation runs in a worker thread: keys reach the text while a check is still
    running (here held until the test lets it go)."""
    release, started = threading.Event(), threading.Event()
    real = policy_editor.analyze_document

    def slow(text, kind):  # type: ignore[no-untyped-def]
        started.set()
        release.wait(30)
        return real(text, kind)

    monkeypatch.setattr(policy_editor, "analyze_document", slow)
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        assert started.wait(30)
        app.editor.editor.move_cursor((0, 0))
        await pilot.press(*" \t ")
        await pilot.pause()
        assert app.editor.text.startswith(" ") and not release.is_set()
        release.set()
        await wait_for_workers(app)


async def test_typing_an_action_suggests_the_rest_and_right_takes_it() -> None:
    """Completion of AWS's actions in the editor; the hint says what a wildcard covers."""
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        await _checked(pilot)
        editor = app.editor.editor
        line = app.editor.text.split("\n")[5]  # "Action": "s3:GetObject",
        editor.move_cursor((5, line.index("s3:GetObject")))
        for _ in range(len("s3:GetObject")):
            await pilot.press("delete")
        await pilot.press(*"s3:GetOb")
        await pilot.pause()
        assert editor.suggestion == "ject"
        await pilot.press("right")
        await pilot.pause()
        assert '"Action": "s3:GetObject"' in app.editor.text
        for _ in range(len("Object")):
            await pilot.press("backspace")
        await pilot.press("*")
        await pilot.pause()
        hint = str(app.editor.query_one("#catalog-hint").render())
        assert "s3:Get* covers" in hint and "actions" in hint


async def test_resources_and_keys_complete_from_the_statements_actions() -> None:
    """In a statement allowing s3:GetObject, Resource completes to its ARN format
    (Service Authorization Reference: object, arn:${Partition}:s3:::${BucketName}/
    ${ObjectName}) and the hint lists the formats; a condition key completes only to keys
    the statement's actions support (s3:prefix is s3:ListBucket's, not s3:GetObject's)."""
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        await _checked(pilot)
        editor = app.editor.editor
        line = app.editor.text.split("\n")[6]  # "Resource": "arn:aws:s3:::reports/*"
        start = line.index("arn:aws:s3")
        editor.move_cursor((6, start))
        for _ in range(len("arn:aws:s3:::reports/*")):
            await pilot.press("delete")
        await pilot.press("a")
        await pilot.pause()
        assert editor.suggestion == "rn:aws:s3:::${BucketName}/${ObjectName}"
        hint = str(app.editor.query_one("#catalog-hint").render())
        assert "s3:GetObject acts on arn:aws:s3:::${BucketName}/${ObjectName}" in hint
        await pilot.press("right")
        await pilot.pause()
        assert '"Resource": "arn:aws:s3:::${BucketName}/${ObjectName}"' in app.editor.text
        # a condition block: only the keys GetObject supports, and global ones
        editor.move_cursor((6, len(app.editor.text.split("\n")[6])))
        await type_text(pilot, ', "Condition": {"StringEquals": {"s3:pre')
        await pilot.pause()
        assert editor.suggestion == ""
        for _ in range(len("s3:pre")):
            await pilot.press("backspace")
        await type_text(pilot, "aws:SecureT")
        await pilot.pause()
        assert editor.suggestion == "ransport"
        # with s3:ListBucket the same prefix completes
        app.editor.editor.load_text(app.editor.text.replace("s3:GetObject", "s3:ListBucket"))
        row = next(i for i, text in enumerate(app.editor.text.split("\n"))
                   if "aws:SecureT" in text)
        col = app.editor.text.split("\n")[row].index("aws:SecureT")
        editor.move_cursor((row, col))
        for _ in range(len("aws:SecureT")):
            await pilot.press("delete")
        await type_text(pilot, "s3:pre")
        await pilot.pause()
        assert editor.suggestion == "fix"
