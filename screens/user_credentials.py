"""The Security credentials tab's other credentials, as the console's sections have them:
SSH public keys for AWS CodeCommit, HTTPS Git credentials for AWS CodeCommit, credentials for
Amazon Keyspaces, and X.509 signing certificates. Rows for the tab's table and the verbs on
them (upload, generate, reset, activate or deactivate, delete), all through IamService.

Row keys: `ssh:<id>`, `svc:<id>`, `cert:<id>`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from iamtui.errors import IamError, InvalidInput
from iamtui.screens.modals import Field, FormModal, SecretModal
from iamtui.screens.ops import Failed, run_op
from iamtui.screens.session import session_of
from iamtui.screens.widgets.resource_table import Row

if TYPE_CHECKING:
    from iamtui.screens.widgets.detail_pane import DetailPane

BODY_READ_LIMIT = 16384  # the longest key or certificate body IAM takes (IAM API Reference)
SERVICES = {"codecommit.amazonaws.com": "Git (CodeCommit)",
            "cassandra.amazonaws.com": "Keyspaces",
            "bedrock.amazonaws.com": "Bedrock API key",
            "logs.amazonaws.com": "CloudWatch Logs API key"}
PREFIXES = ("ssh:", "svc:", "cert:")


def _date(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "Never"


def credential_rows(pane: DetailPane, user_name: str) -> list[Row]:
    """The user's SSH public keys, service-specific credentials and signing certificates;
    a kind the caller may not list shows as one row saying so."""
    service, principal = session_of(pane)
    rows: list[Row] = []
    kinds: tuple[tuple[str, Callable[[], list[Row]]], ...] = (
        ("SSH public keys", lambda: [
            Row(f"ssh:{k.ssh_public_key_id}", ("SSH public key", k.ssh_public_key_id,
                                               k.status, _date(k.upload_date), "-"))
            for k in service.list_ssh_public_keys(principal, user_name)]),
        ("Service credentials", lambda: [
            Row(f"svc:{c.credential_id}", (SERVICES.get(c.service_name, c.service_name),
                                           c.public_name, c.status,
                                           _date(c.create_date), "-"))
            for c in service.list_service_specific_credentials(principal, user_name)]),
        ("Signing certificates", lambda: [
            Row(f"cert:{c.certificate_id}", ("X.509 certificate", c.certificate_id,
                                             c.status, _date(c.upload_date), "-"))
            for c in service.list_signing_certificates(principal, user_name)]),
    )
    for label, read in kinds:
        try:
            rows += read()
        except IamError as error:
            rows.append(Row(f"denied:{label}", (label, "-", f"Not shown: {error.code}",
                                                "-", "-")))
    return rows


def read_body(value: str, what: str) -> str:
    """A key or certificate typed or pasted in a form, or the path of a file holding it
    (`~` allowed); InvalidInput when the file cannot be read."""
    text = value.strip()
    if text.startswith(("ssh-", "-----BEGIN")):
        return text
    path = os.path.expanduser(text)
    try:
        with open(path, "rb") as file:
            data = file.read(BODY_READ_LIMIT + 1)
        return data.decode("latin-1")
    except OSError as error:
        raise InvalidInput(f"Cannot read the {what} from {text}: {error.strerror}.") from None


def upload_ssh_key(pane: DetailPane, user_name: str) -> None:
    """UploadSSHPublicKey from a form (the ssh-rsa line, or the path of id_rsa.pub)."""
    service, principal = session_of(pane)

    def apply(values: dict[str, str]) -> None:
        service.upload_ssh_public_key(principal, user_name,
                                      read_body(values["body"], "SSH public key"))

    pane.app.push_screen(FormModal(
        f"Upload an SSH public key for {user_name}",
        [Field("body", "SSH public key", placeholder="ssh-rsa AAAA... or ~/.ssh/id_rsa.pub")],
        submit="Upload", apply=apply,
        note="For AWS CodeCommit: an RSA key of 2048 bits or more, in ssh-rsa or PEM "
             "form. Up to 5 per user."), _reloaded(pane, "SSH public key uploaded"))


def upload_signing_certificate(pane: DetailPane, user_name: str) -> None:
    """UploadSigningCertificate from a form (the path of a PEM file)."""
    service, principal = session_of(pane)

    def apply(values: dict[str, str]) -> None:
        service.upload_signing_certificate(principal, read_body(values["body"], "certificate"),
                                           user_name)

    pane.app.push_screen(FormModal(
        f"Upload an X.509 signing certificate for {user_name}",
        [Field("body", "Certificate file (PEM)", placeholder="~/cert.pem")],
        submit="Upload", apply=apply,
        note="A PEM certificate that has not expired. Up to 2 per user."),
        _reloaded(pane, "Signing certificate uploaded"))


def _reloaded(pane: DetailPane, message: str) -> Callable[[dict[str, str] | None], None]:
    def done(values: dict[str, str] | None) -> None:
        if values:
            pane.notify(message)
            pane.reload()
    return done


def generate_service_credential(pane: DetailPane, user_name: str, service_name: str) -> None:
    """CreateServiceSpecificCredential; the user name and password shown once."""
    service, principal = session_of(pane)
    label = SERVICES[service_name]
    new = run_op(pane, service.create_service_specific_credential, principal, user_name,
                 service_name, success=f"Generated {label} credentials for {user_name}")
    if isinstance(new, Failed):
        return
    pane.reload()
    _show_password(pane, f"{label} credentials for {user_name}", new)


def reset_service_password(pane: DetailPane, user_name: str, key: str) -> None:
    """ResetServiceSpecificCredential on the row under the cursor; the new password once."""
    service, principal = session_of(pane)
    cred_id = key.split(":", 1)[1]

    def reset() -> None:
        new = run_op(pane, service.reset_service_specific_credential, principal, cred_id,
                     user_name, success="Password reset")
        if not isinstance(new, Failed):
            pane.reload()
            _show_password(pane, f"New password for {new.credential.public_name}", new)

    pane.confirm("Reset this password? The current one stops working at once.", reset,
                 verb="Reset")


def _show_password(pane: DetailPane, title: str, new: Any) -> None:
    api_key = new.credential.service_credential_alias is not None  # alias and secret
    pane.app.push_screen(SecretModal(
        title, [("Alias" if api_key else "User name", new.credential.public_name),
                ("Secret" if api_key else "Password", new.service_password)],
        new.service_password,
        warning="This is the only time the password is shown. Store it now; you can reset "
                "it later, not see it again."))


def toggle(pane: DetailPane, user_name: str, key: str, status: str) -> None:
    """Make the credential under the cursor Active or Inactive."""
    service, _ = session_of(pane)
    kind, ident = key.split(":", 1)
    calls: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
        "ssh": (service.update_ssh_public_key, (user_name, ident, status)),
        "svc": (service.update_service_specific_credential, (ident, status, user_name)),
        "cert": (service.update_signing_certificate, (ident, status, user_name)),
    }
    call, args = calls[kind]
    pane.op(call, *args, success=f"{ident} is now {status.lower()}")


def remove(pane: DetailPane, user_name: str, key: str) -> None:
    """Delete the credential under the cursor, after a confirmation."""
    service, _ = session_of(pane)
    kind, ident = key.split(":", 1)
    calls: dict[str, tuple[str, Callable[..., Any], tuple[Any, ...]]] = {
        "ssh": ("SSH public key", service.delete_ssh_public_key, (user_name, ident)),
        "svc": ("credential", service.delete_service_specific_credential,
                (ident, user_name)),
        "cert": ("signing certificate", service.delete_signing_certificate,
                 (ident, user_name)),
    }
    noun, call, args = calls[kind]
    pane.confirm(f"Delete {noun} {ident}? Anything using it stops working.",
                 lambda: pane.op(call, *args, success=f"Deleted {noun} {ident}"))


__all__ = ["PREFIXES", "SERVICES", "credential_rows", "generate_service_credential",
           "read_body", "remove", "reset_service_password", "toggle",
           "upload_signing_certificate", "upload_ssh_key"]
