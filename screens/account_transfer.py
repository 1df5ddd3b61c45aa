"""Import and export of a whole account (GetAccountAuthorizationDetails's shape), from
the command palette: the TUI's import-/get-account-authorization-details."""

from __future__ import annotations

import json
import os
from pathlib import Path

from textual.app import App

from iamtui.errors import InvalidInput
from iamtui.local_paths import expand_home
from iamtui.screens.modals import Field, FormModal
from iamtui.screens.paths import remember_path, suggested_path
from iamtui.screens.session import session_of
from iamtui.service.account_details import parse_authorization_details


def _path(text: str) -> Path:
    return expand_home(text.removeprefix("file://"))


def import_details(app: App[object]) -> None:
    """A form for the export's path (and accounts to map); one transaction, or nothing."""
    counts: dict[str, int] = {}

    def apply(values: dict[str, str]) -> None:
        path = _path(values["path"])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise InvalidInput(f"Cannot read {path}: {error.strerror or error}") from None
        details = parse_authorization_details(text)
        service, principal = session_of(app)
        summary = service.import_account_authorization_details(
            principal, details, map_accounts=values["map"].split())
        counts.update(summary.to_aws())
        remember_path(app, "account-details", path)

    def done(values: dict[str, str] | None) -> None:
        if values:
            app.notify(", ".join(f"{k} {v}" for k, v in counts.items() if v) or "nothing",
                       title="Imported")

    app.push_screen(FormModal("Import account authorization details", [
        Field("path", "Export file (JSON)", suggested_path(
            app, "account-details", "iamtui-account-details.json")),
        Field("map", "Map these account IDs to this account (optional)", required=False,
              placeholder="012345678901")],
        submit="Import", apply=apply,
        note="The output of `aws iam get-account-authorization-details`. Nothing is "
             "imported if any user, group, role or policy in it exists here."), done)


def export_details(app: App[object]) -> None:
    """A form for the file to write; it is created 0600 and never overwritten."""
    def apply(values: dict[str, str]) -> None:
        path = _path(values["path"])
        service, principal = session_of(app)
        details = service.get_account_authorization_details(principal)
        text = json.dumps(details, indent=2, ensure_ascii=False) + "\n"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise InvalidInput(f"{path} exists: name a new file.") from None
        except OSError as error:
            raise InvalidInput(f"Cannot write {path}: {error.strerror or error}") from None
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        remember_path(app, "account-details", path)

    def done(values: dict[str, str] | None) -> None:
        if values:
            app.notify(f"Wrote {_path(values['path'])}", title="Exported", markup=False)

    app.push_screen(FormModal("Export account authorization details", [
        Field("path", "File to write (JSON)", suggested_path(
            app, "account-details", "iamtui-account-details.json"))],
        submit="Export", apply=apply,
        note="Every user, group, role and policy in AWS's "
             "GetAccountAuthorizationDetails shape; import it here or elsewhere."), done)
