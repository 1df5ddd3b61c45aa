"""What the AWS CLI's examples of SSH public keys, signing certificates, server certificates
and service-specific credentials take for granted (test_cli_aws_examples): real keys and
certificates in the files they read, and the credentials with the IDs and names they name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cert_factory import certificate, private_key_pem, rsa_key, ssh_public_key
from helpers import CliRunner

from iamtui.service import IamService
from iamtui.service.credential_tables import (
    SERVICE_CREDENTIALS,
    SIGNING_CERTIFICATES,
    SSH_PUBLIC_KEYS,
    ServiceSpecificCredential,
    SigningCertificate,
    SshPublicKey,
)

# Without --user-name an example acts on the caller's own credentials: the examples' caller
EXAMPLE_CALLER = "example-admin"


def write_files(folder: Path, paths: list[str]) -> None:
    """A key or certificate in each file the example reads, by the file's name."""
    now = datetime.now(UTC)
    for path in paths:
        lowered = path.lower()
        if lowered.endswith(".pub") or "sshkey" in lowered:
            (folder / path).write_text(ssh_public_key())
        elif "private" in lowered:
            (folder / path).write_text(private_key_pem(rsa_key()))
        elif "chain" in lowered:
            (folder / path).write_text(certificate(rsa_key(2048, 1), name="CA", serial=2,
                                                   not_before=now))
        elif "cert" in lowered:
            (folder / path).write_text(certificate(not_before=now))


def prepare(run: CliRunner, name: str, given: dict[str, str]) -> None:
    """The credential an example names (by ID, or a server certificate by name)."""
    user = given.get("--user-name", EXAMPLE_CALLER)
    certificate_name = given.get("--server-certificate-name")
    if certificate_name and name != "upload-server-certificate":
        code, _, err = run.root("upload-server-certificate", "--server-certificate-name",
                                certificate_name, "--certificate-body",
                                certificate(not_before=datetime.now(UTC)),
                                "--private-key", private_key_pem(rsa_key()))
        assert code == 0, err
    records = []
    now = datetime.now(UTC)
    if "--ssh-public-key-id" in given:
        line = ssh_public_key()
        records.append((SSH_PUBLIC_KEYS, SshPublicKey(
            given["--ssh-public-key-id"], user, line.split()[0] + " " + line.split()[1],
            "", "00:" * 15 + "00", now)))
    if "--certificate-id" in given:
        records.append((SIGNING_CERTIFICATES, SigningCertificate(
            given["--certificate-id"], user, certificate(not_before=now), "0", now)))
    if "--service-specific-credential-id" in given:
        records.append((SERVICE_CREDENTIALS, ServiceSpecificCredential(
            given["--service-specific-credential-id"], user, "codecommit.amazonaws.com",
            f"{user}-at-123456789012", "sha256$0", now)))
    if records:
        service = IamService.open(run.db)
        try:
            with service.store.transaction() as tx:
                for table, record in records:
                    table.put(tx, record)
        finally:
            service.close()
