"""The credentials beyond passwords, access keys and MFA: SSH public keys, X.509 signing
certificates, service-specific credentials (a user's) and server certificates (the
account's). Their records, their store tables and their AWS API shapes.

Shapes as AWS's API model (botocore's service-2.json): SSHPublicKey and
SSHPublicKeyMetadata, SigningCertificate, ServiceSpecificCredential and
ServiceSpecificCredentialMetadata, ServerCertificate and ServerCertificateMetadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from iamtui.model import Record, Tag, aws_tag, aws_timestamp
from iamtui.store import EntityTable, Index

CredentialStatus = Literal["Active", "Inactive", "Expired"]


@dataclass(frozen=True, slots=True)
class SshPublicKey(Record):
    """A user's SSH public key (for CodeCommit); kept in OpenSSH's form, PEM derived."""

    ssh_public_key_id: str
    user_name: str
    body: str  # "ssh-rsa AAAA..."
    pem_body: str
    fingerprint: str
    upload_date: datetime
    status: CredentialStatus = "Active"


@dataclass(frozen=True, slots=True)
class SigningCertificate(Record):
    """A user's X.509 signing certificate (the root user's own under ROOT_KEY_OWNER)."""

    certificate_id: str
    user_name: str
    body: str
    sha256: str  # of the DER bytes: DuplicateCertificate across the account
    upload_date: datetime
    status: CredentialStatus = "Active"


@dataclass(frozen=True, slots=True)
class ServiceSpecificCredential(Record):
    """A user's credential for one service: a user name and password (CodeCommit Git,
    Amazon Keyspaces) or a long-term API key, an alias and a secret (Amazon Bedrock,
    CloudWatch Logs); only a digest of its password or secret is kept."""

    credential_id: str
    user_name: str
    service_name: str
    service_user_name: str  # "" for an API key, which has an alias instead
    password_digest: str = field(repr=False)
    create_date: datetime
    status: CredentialStatus = "Active"
    expiration_date: datetime | None = None
    service_credential_alias: str | None = None

    @property
    def public_name(self) -> str:
        """What names the credential to people: its service user name, or its alias."""
        return self.service_credential_alias or self.service_user_name


@dataclass(frozen=True, slots=True)
class ServerCertificate(Record):
    """An account's server certificate for TLS. Its private key is checked against the
    certificate at upload and then dropped: AWS never returns it, and nothing here uses it."""

    server_certificate_id: str
    server_certificate_name: str
    path: str
    arn: str
    body: str
    upload_date: datetime
    expiration: datetime
    chain: str | None = None
    tags: tuple[Tag, ...] = ()


SSH_PUBLIC_KEYS = EntityTable("ssh_public_keys", SshPublicKey,
                              key=lambda k: k.ssh_public_key_id,
                              indexes={"user": Index("user_name", casefold=True)})
SIGNING_CERTIFICATES = EntityTable("signing_certificates", SigningCertificate,
                                   key=lambda c: c.certificate_id,
                                   indexes={"user": Index("user_name", casefold=True),
                                            "sha256": Index("sha256")})
SERVICE_CREDENTIALS = EntityTable("service_specific_credentials", ServiceSpecificCredential,
                                  key=lambda c: c.credential_id,
                                  indexes={"user": Index("user_name", casefold=True)})
SERVER_CERTIFICATES = EntityTable(
    "server_certificates", ServerCertificate, key=lambda c: c.server_certificate_id,
    indexes={"name": Index("server_certificate_name", casefold=True, unique=True)})

CREDENTIAL_TABLES = (SSH_PUBLIC_KEYS, SIGNING_CERTIFICATES, SERVICE_CREDENTIALS,
                     SERVER_CERTIFICATES)


# ------------------------------------------------------------------ AWS shapes


def aws_ssh_public_key(key: SshPublicKey, *, listing: bool = False,
                       encoding: str = "SSH") -> dict[str, Any]:
    """SSHPublicKey (upload/get: the body in `encoding`), or SSHPublicKeyMetadata."""
    if listing:
        return {"UserName": key.user_name, "SSHPublicKeyId": key.ssh_public_key_id,
                "Status": key.status, "UploadDate": aws_timestamp(key.upload_date)}
    return {"UserName": key.user_name, "SSHPublicKeyId": key.ssh_public_key_id,
            "Fingerprint": key.fingerprint,
            "SSHPublicKeyBody": key.pem_body if encoding == "PEM" else key.body,
            "Status": key.status, "UploadDate": aws_timestamp(key.upload_date)}


def aws_signing_certificate(cert: SigningCertificate, *, listing: bool = False
                            ) -> dict[str, Any]:
    """SigningCertificate (upload and list return the same structure)."""
    return {"UserName": cert.user_name, "CertificateId": cert.certificate_id,
            "CertificateBody": cert.body, "Status": cert.status,
            "UploadDate": aws_timestamp(cert.upload_date)}


def aws_service_credential(cred: ServiceSpecificCredential, *, listing: bool = False,
                           password: str | None = None) -> dict[str, Any]:
    """ServiceSpecificCredential (with its password, create and reset only) or, listing,
    ServiceSpecificCredentialMetadata."""
    out: dict[str, Any] = {"UserName": cred.user_name, "Status": cred.status}
    if cred.service_credential_alias is None:
        out["ServiceUserName"] = cred.service_user_name
    else:
        out["ServiceCredentialAlias"] = cred.service_credential_alias
    out["CreateDate"] = aws_timestamp(cred.create_date)
    if cred.expiration_date is not None:
        out["ExpirationDate"] = aws_timestamp(cred.expiration_date)
    out |= {"ServiceSpecificCredentialId": cred.credential_id,
            "ServiceName": cred.service_name}
    if password is not None:  # an API key's secret is its ServiceCredentialSecret
        out["ServiceCredentialSecret" if cred.service_credential_alias is not None
            else "ServicePassword"] = password
    return out


def aws_server_certificate_metadata(cert: ServerCertificate) -> dict[str, Any]:
    """ServerCertificateMetadata."""
    return {"Path": cert.path, "ServerCertificateName": cert.server_certificate_name,
            "ServerCertificateId": cert.server_certificate_id, "Arn": cert.arn,
            "UploadDate": aws_timestamp(cert.upload_date),
            "Expiration": aws_timestamp(cert.expiration)}


def aws_server_certificate(cert: ServerCertificate, *, listing: bool = False) -> dict[str, Any]:
    """ServerCertificate (get-server-certificate: never a private key), or its metadata."""
    if listing:
        return aws_server_certificate_metadata(cert)
    out: dict[str, Any] = {"ServerCertificateMetadata": aws_server_certificate_metadata(cert),
                           "CertificateBody": cert.body}
    if cert.chain is not None:
        out["CertificateChain"] = cert.chain
    if cert.tags:
        out["Tags"] = [aws_tag(t) for t in cert.tags]
    return out


__all__ = ["CREDENTIAL_TABLES", "SERVER_CERTIFICATES", "SERVICE_CREDENTIALS",
           "SIGNING_CERTIFICATES", "SSH_PUBLIC_KEYS", "CredentialStatus", "ServerCertificate",
           "ServiceSpecificCredential", "SigningCertificate", "SshPublicKey",
           "aws_server_certificate", "aws_server_certificate_metadata",
           "aws_service_credential", "aws_signing_certificate", "aws_ssh_public_key"]
