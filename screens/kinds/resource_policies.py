"""Resource-based policies (a bucket's, a queue's, a key's), as rows of the Policies table.

They are iamtui's put-/get-/delete-/list-resource-policy: the permission tester and
every authorization use them as AWS uses a resource's policy. A row's key is
`resource:<ARN>`, so it never collides with a managed policy's ARN. `enter` and `e`
open the document in the policy editor (saving replaces it), `d` deletes it, and `n`
with the Resource-based filter asks for the resource's ARN first.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from iamtui.errors import AccessDenied
from iamtui.policy import PolicyType
from iamtui.screens.modals import Field, FormModal
from iamtui.screens.ops import Failed, run_op
from iamtui.screens.row_keys import PREFIX, resource_arn
from iamtui.screens.sections import ResourceSection
from iamtui.screens.session import session_of
from iamtui.screens.widgets.permissions import open_editor, pretty
from iamtui.screens.widgets.resource_table import Row
from iamtui.service.resources import validate_resource_arn

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal

TYPE_LABEL = "Resource-based"


def statement_summary(document: str) -> str:
    """`2 statements: s3:GetObject, s3:PutObject`: what the policy is about, in a cell."""
    try:
        statements = json.loads(document).get("Statement", [])
    except (ValueError, AttributeError):
        return ""
    statements = statements if isinstance(statements, list) else [statements]
    actions: list[str] = []
    for st in statements:
        found = st.get("Action", []) if isinstance(st, dict) else []
        actions += [found] if isinstance(found, str) else [a for a in found if isinstance(a, str)]
    count = f"{len(statements)} statement{'s' if len(statements) != 1 else ''}"
    return f"{count}: {', '.join(dict.fromkeys(actions))}" if actions else count


def resource_rows(service: IamService, principal: Principal) -> list[Row]:
    """A row per stored resource-based policy; none when the caller may not list them."""
    try:
        stored = service.list_resource_policies(principal)
    except AccessDenied:
        return []
    return [Row(PREFIX + p.resource_arn,
                (resource_name(p.resource_arn), "-", "-", TYPE_LABEL,
                 f"{p.resource_arn} · {statement_summary(p.policy_document)}",
                 f"{p.update_date:%Y-%m-%d}"),
                (resource_name(p.resource_arn), -1, -1, TYPE_LABEL, p.resource_arn,
                 p.update_date))
            for p in stored]


def resource_name(arn: str) -> str:
    """The resource part of an ARN (`reports` of arn:aws:s3:::reports): the name column;
    the whole ARN goes in the description."""
    parts = arn.split(":", 5)
    return parts[5] if len(parts) == 6 and parts[5] else arn


def template(account_id: str, arn: str) -> str:
    """A start: the account's principals may read the resource (edit the rest). For a
    bucket that means its objects (`<bucket>/*`): s3:GetObject acts on objects."""
    parts = arn.split(":", 5)
    bucket = len(parts) == 6 and parts[2] == "s3" and "/" not in parts[5]
    action, resource = ("s3:GetObject", f"{arn}/*") if bucket else \
        (f"{parts[2] if len(parts) > 2 else 's3'}:Get*", arn)
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": action, "Resource": resource}]}, indent=2)


def _edit(section: ResourceSection, arn: str, text: str, verb: str) -> None:
    service, principal = session_of(section)

    def save(document: str) -> bool:
        return not isinstance(run_op(section, service.put_resource_policy, principal, arn,
                                     document, success=f"{verb} the policy of {arn}"), Failed)

    open_editor(section, f"Policies › resource-based › {arn}", text, PolicyType.RESOURCE,
                save, section.action_refresh, save_label="Save policy")


def open_resource_policy(section: ResourceSection, key: str) -> None:
    """enter / e: the stored document in the editor; saving replaces it."""
    service, principal = session_of(section)
    arn = resource_arn(key)
    stored = run_op(section, service.get_resource_policy, principal, arn)
    if not isinstance(stored, Failed):
        _edit(section, arn, pretty(stored.policy_document), "Saved")


def create_resource_policy(section: ResourceSection) -> None:
    """n (Resource-based filter): the resource's ARN, then its policy in the editor."""
    def named(values: dict[str, str] | None) -> None:
        if values:
            arn = values["arn"]
            _edit(section, arn, template(session_of(section).service.account_id, arn),
                  "Created")

    section.app.push_screen(FormModal("New resource-based policy", [
        Field("arn", "Resource ARN", placeholder="arn:aws:s3:::reports")],
        submit="Next: write it", apply=lambda values: validate_resource_arn(values["arn"]),
        note="The policy of one resource (a bucket, a queue, a key...). A role's is its "
             "trust policy: edit it on the role."), named)


def delete_resource_policy(section: ResourceSection, key: str) -> None:
    """d: DeleteResourcePolicy after a confirmation."""
    arn = resource_arn(key)
    section.confirm(
        f"Delete the resource-based policy of {arn}? Access it granted stops at once.",
        lambda: section.op(session_of(section).service.delete_resource_policy,
                           arn, success=f"Deleted the policy of {arn}"))
