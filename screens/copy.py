"""`y`: copy a user's, group's, role's or policy's name, ARN or JSON, from a small menu.

The JSON is what the CLI's get-user (get-group, get-role, get-policy) prints, built by
the same model helpers, so a paste matches `aws iam get-user` output. A managed policy
also offers its default version's document. The JSON is read only when it is chosen:
reading is an audited call.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from iamtui.errors import IamError
from iamtui.model import aws_group, aws_policy, aws_role, aws_user
from iamtui.screens.ops import report_error
from iamtui.screens.row_keys import is_resource_key, resource_arn
from iamtui.screens.session import session_of
from iamtui.screens.widgets.picker import PickerModal
from iamtui.screens.widgets.resource_table import Column, Row

if TYPE_CHECKING:
    from textual.dom import DOMNode


def kind_of(arn: str) -> str:
    """user, group, role or policy, from an IAM ARN's resource part."""
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    return resource.split("/", 1)[0]


def _json_of(node: DOMNode, arn: str) -> Callable[[], str] | None:
    service, principal = session_of(node)
    name = arn.rsplit("/", 1)[-1]
    kind = kind_of(arn)
    build: Callable[[], dict[str, Any]] | None = {
        "user": lambda: {"User": aws_user(service.get_user(principal, name))},
        "group": lambda: {"Group": aws_group(service.get_group(principal, name).group)},
        "role": lambda: {"Role": aws_role(service.get_role(principal, name))},
        "policy": lambda: {"Policy": aws_policy(service.get_policy(principal, arn))},
    }.get(kind)
    if build is None:
        return None
    return lambda: json.dumps(build(), indent=4, ensure_ascii=False)


def _document_of(node: DOMNode, arn: str) -> Callable[[], str]:
    service, principal = session_of(node)

    def read() -> str:
        if is_resource_key(arn):
            return service.get_resource_policy(principal, resource_arn(arn)).policy_document
        policy = service.get_policy(principal, arn)
        return service.get_policy_version(principal, arn, policy.default_version_id).document
    return lambda: json.dumps(json.loads(read()), indent=4, ensure_ascii=False)


def copy_choices(node: DOMNode, key: str) -> list[tuple[str, str, Callable[[], str]]]:
    """(what, shown, value) for a row's key: its name, its ARN, its JSON, a document."""
    arn = resource_arn(key)
    if is_resource_key(key):  # a resource-based policy: its ARN and document
        return [("ARN", arn, lambda: arn), ("Policy document", "the JSON document",
                                            _document_of(node, key))]
    name = arn.rsplit("/", 1)[-1]
    choices: list[tuple[str, str, Callable[[], str]]] = [
        ("Name", name, lambda: name), ("ARN", arn, lambda: arn)]
    json_of = _json_of(node, arn)
    if json_of is not None:
        choices.append(("JSON", f"as `aws iam get-{kind_of(arn)}` prints it", json_of))
    if kind_of(arn) == "policy":
        choices.append(("Policy document", "the default version's JSON",
                        _document_of(node, arn)))
    return choices


def copy_menu(node: DOMNode, key: str) -> None:
    """The menu; the chosen value goes to the clipboard (OSC 52) and a toast says what."""
    choices = copy_choices(node, key)
    by_what = {what: value for what, _, value in choices}

    def picked(what: str | None) -> None:
        if what is None:
            return
        try:
            text = by_what[what]()
        except IamError as error:
            report_error(node, error)
            return
        node.app.copy_to_clipboard(text)
        shown = text if "\n" not in text else f"{what} ({len(text.splitlines())} lines)"
        node.notify(f"Copied {shown}", markup=False)

    node.app.push_screen(PickerModal(
        "Copy to the clipboard", (Column("what", "Copy", 16), Column("value", "Value", 70)),
        [Row(what, (what, shown)) for what, shown, _ in choices]), picked)
