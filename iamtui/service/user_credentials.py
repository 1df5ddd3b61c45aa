"""A user's other credentials: SSH public keys, X.509 signing certificates and
service-specific credentials (upload or create, list, get, update, reset, delete).

AWS pages followed (IAM API Reference): UploadSSHPublicKey, GetSSHPublicKey,
ListSSHPublicKeys, UpdateSSHPublicKey, DeleteSSHPublicKey; UploadSigningCertificate,
ListSigningCertificates, UpdateSigningCertificate, DeleteSigningCertificate;
CreateServiceSpecificCredential, ListServiceSpecificCredentials,
ResetServiceSpecificCredential, UpdateServiceSpecificCredential,
DeleteServiceSpecificCredential. IAM User Guide: "Use SSH keys and SSH with CodeCommit",
"Manage signing certificates" (X.509, two per user), "Use IAM with CodeCommit: Git
credentials, SSH keys, and AWS access keys" and "Using IAM with Amazon Keyspaces" (the
generated user name `NAME-at-ACCOUNT` and a password shown once), "API keys for AWS
services" (long-term API keys of Amazon Bedrock and CloudWatch Logs: an alias naming the
user, a secret shown once, an optional expiration), "IAM and AWS STS quotas"
(5 SSH public keys and 2 signing certificates per user; 2 service-specific credentials per
user and service). Each operation is authorized as its IAM action on the user's ARN.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from iamtui.arn import _check, validate_user_name
from iamtui.errors import IamError, InvalidInput, LimitExceeded, NoSuchEntity, ValidationError
from iamtui.model import User
from iamtui.security.access_keys import secret_digest
from iamtui.security.certificates import (
    CertificateProblem,
    parse_signing_certificate,
    parse_ssh_public_key,
)
from iamtui.service.access_keys import credential_owner
from iamtui.service.core import Principal, ServiceCore, Step, View
from iamtui.service.credential_tables import (
    SERVICE_CREDENTIALS,
    SIGNING_CERTIFICATES,
    SSH_PUBLIC_KEYS,
    CredentialStatus,
    ServiceSpecificCredential,
    SigningCertificate,
    SshPublicKey,
    aws_service_credential,
    aws_ssh_public_key,
)
from iamtui.service.inline import Dependent
from iamtui.service.owners import OWNERS
from iamtui.store import Tx

SSH_KEYS_PER_USER = 5
SIGNING_CERTIFICATES_PER_USER = 2
SERVICE_CREDENTIALS_PER_SERVICE = 2
PASSWORD_SERVICES = ("codecommit.amazonaws.com", "cassandra.amazonaws.com")
"""The services AWS issues user-name-and-password service-specific credentials for."""
API_KEY_SERVICES = ("bedrock.amazonaws.com", "logs.amazonaws.com")
"""The services AWS issues long-term API keys for (IAM User Guide, "API keys for AWS
services": Amazon Bedrock and Amazon CloudWatch Logs); only they take CredentialAgeDays."""
SUPPORTED_SERVICES = PASSWORD_SERVICES + API_KEY_SERVICES
MAX_CREDENTIAL_AGE_DAYS = 36600
# AWS documents an API key's secret only as "the secret portion of the credential"; iamtui
# gives it a recognizable prefix, then the base64 of the alias and 256 random bits.
API_KEY_SECRET_PREFIX = "ABSK"

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CERT_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_ID_RE_PATTERN = "[\\w]+"
_STATUSES = ("Active", "Inactive", "Expired")


class _CodedError(IamError):
    """An error whose AWS code is set per instance (those of `CertificateProblem`)."""

    def __init__(self, code: str, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.code, self.http_status = code, http_status


class DuplicateSSHPublicKey(IamError):
    """The same SSH public key is already the user's (UploadSSHPublicKey)."""

    code, http_status = "DuplicateSSHPublicKey", 400


class DuplicateCertificate(IamError):
    """The same certificate is already a signing certificate in the account."""

    code, http_status = "DuplicateCertificate", 409


class NotSupportedService(IamError):
    """The service takes no service-specific credentials (ServiceNotSupportedException)."""

    code, http_status = "NotSupportedService", 404


def certificate_error(problem: CertificateProblem) -> IamError:
    """The IamError carrying a parse problem's AWS code and message."""
    return _CodedError(problem.code, problem.message)


def _new_id(prefix: str, length: int = 20, alphabet: str = _ID_ALPHABET) -> str:
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length - len(prefix)))


def _validate_id(value: str, field_name: str, min_len: int) -> str:
    # AWS's constraint for these IDs: min_len to 128 word characters (IAM API Reference)
    import re

    return _check(value, field_name, min_len, 128, re.compile(r"\w+", re.ASCII), _ID_RE_PATTERN)


def validate_credential_status(status: str) -> CredentialStatus:
    """The Status of the Update* operations: Active or Inactive. The model's enum also has
    Expired, which only the service sets (InvalidInput when asked for)."""
    if status not in _STATUSES:
        raise ValidationError(f"1 validation error detected: Value '{status}' at 'status' "
                              "failed to satisfy constraint: Member must satisfy enum value "
                              "set: [Active, Inactive, Expired]")
    if status == "Expired":
        raise InvalidInput("The status of a credential can be set to Active or Inactive only.")
    return "Active" if status == "Active" else "Inactive"


def _own(item: Any, owner: str) -> bool:
    return item is not None and item.user_name.casefold() == owner.casefold()


@dataclass(frozen=True)
class NewServiceCredential:
    """CreateServiceSpecificCredential's (or Reset's) answer: the password, shown once."""

    credential: ServiceSpecificCredential
    service_password: str = field(repr=False)


def service_user_name(user_name: str, account_id: str) -> str:
    """The user name AWS generates for Git (CodeCommit) and Keyspaces: NAME-at-ACCOUNT."""
    return f"{user_name}-at-{account_id}"


def effective(cred: ServiceSpecificCredential, now: datetime) -> ServiceSpecificCredential:
    """The credential as AWS reports it: Expired once its expiration date has passed."""
    if cred.expiration_date is not None and cred.expiration_date <= now:
        return replace(cred, status="Expired")
    return cred


class UserCredentialOperations(ServiceCore):
    """SSH public keys, signing certificates and service-specific credentials of users."""

    def _user_named(self, view: View, user_name: str) -> User:
        return OWNERS["user"].get(view, user_name)

    # ------------------------------------------------------------------ SSH public keys

    def _ssh_key(self, view: View, owner: str, key_id: str) -> SshPublicKey:
        key = SSH_PUBLIC_KEYS.get(view, key_id)
        if not _own(key, owner):
            raise NoSuchEntity(f"The Public Key with id {key_id} cannot be found.")
        return key  # type: ignore[return-value]

    def upload_ssh_public_key(self, caller: Principal, user_name: str, body: str
                              ) -> SshPublicKey:
        """UploadSSHPublicKey: an ssh-rsa or PEM RSA key of 2048 bits or more, five per user;
        its fingerprint is the MD5 of the key (UnrecognizedPublicKeyEncoding,
        InvalidPublicKey, DuplicateSSHPublicKey, LimitExceeded)."""
        validate_user_name(user_name)
        params = {"userName": user_name, "sSHPublicKeyBody": body}
        user = self._subject(caller, "UploadSSHPublicKey", params, self._user_named, user_name,
                             read_only=False)
        with self._change(caller, "UploadSSHPublicKey", user.arn, params,
                          action="iam:UploadSSHPublicKey") as change:
            tx = change.tx
            user = self._user_named(tx, user_name)
            try:
                info = parse_ssh_public_key(body)
            except CertificateProblem as problem:
                raise certificate_error(problem) from None
            mine = SSH_PUBLIC_KEYS.find_by(tx, "user", user.user_name)
            if any(k.fingerprint == info.fingerprint for k in mine):
                raise DuplicateSSHPublicKey("The SSH public key is already associated with "
                                            "the specified IAM user.")
            if len(mine) >= SSH_KEYS_PER_USER:
                raise LimitExceeded("Cannot exceed quota for PublicKeysPerUser: "
                                    f"{SSH_KEYS_PER_USER}")
            key = SshPublicKey(_new_id("APKA"), user.user_name, info.ssh_body, info.pem_body,
                               info.fingerprint, self.clock())
            SSH_PUBLIC_KEYS.put(tx, key)
            change.response = {"sSHPublicKey": aws_ssh_public_key(key, listing=True)}
        return key

    def get_ssh_public_key(self, caller: Principal, user_name: str, key_id: str) -> SshPublicKey:
        """GetSSHPublicKey (the CLI picks the body's encoding, SSH or PEM)."""
        validate_user_name(user_name)
        _validate_id(key_id, "sSHPublicKeyId", 20)
        params = {"userName": user_name, "sSHPublicKeyId": key_id}
        user = self._subject(caller, "GetSSHPublicKey", params, self._user_named, user_name)
        view = self._read(caller, "GetSSHPublicKey", user.arn, params=params)
        return self._ssh_key(view, self._user_named(view, user_name).user_name, key_id)

    def list_ssh_public_keys(self, caller: Principal, user_name: str | None = None
                             ) -> list[SshPublicKey]:
        """ListSSHPublicKeys: a user's keys (the caller's own without `user_name`)."""
        if user_name is not None:
            validate_user_name(user_name)
        params = {"userName": user_name}
        _, arn = self._subject(caller, "ListSSHPublicKeys", params, credential_owner, caller,
                               user_name)
        view = self._read(caller, "ListSSHPublicKeys", arn, params=params)
        owner, _ = credential_owner(view, caller, user_name)
        return sorted(SSH_PUBLIC_KEYS.find_by(view, "user", owner),
                      key=lambda k: (k.upload_date, k.ssh_public_key_id))

    def update_ssh_public_key(self, caller: Principal, user_name: str, key_id: str,
                              status: str) -> SshPublicKey:
        """UpdateSSHPublicKey: Active or Inactive (an inactive key cannot reach CodeCommit)."""
        validate_user_name(user_name)
        _validate_id(key_id, "sSHPublicKeyId", 20)
        new_status = validate_credential_status(status)
        params = {"userName": user_name, "sSHPublicKeyId": key_id, "status": status}
        user = self._subject(caller, "UpdateSSHPublicKey", params, self._user_named, user_name,
                             read_only=False)
        with self._change(caller, "UpdateSSHPublicKey", user.arn, params,
                          action="iam:UpdateSSHPublicKey") as change:
            owner = self._user_named(change.tx, user_name).user_name
            key = replace(self._ssh_key(change.tx, owner, key_id), status=new_status)
            SSH_PUBLIC_KEYS.put(change.tx, key)
        return key

    def delete_ssh_public_key(self, caller: Principal, user_name: str, key_id: str) -> None:
        """DeleteSSHPublicKey."""
        validate_user_name(user_name)
        _validate_id(key_id, "sSHPublicKeyId", 20)
        params = {"userName": user_name, "sSHPublicKeyId": key_id}
        user = self._subject(caller, "DeleteSSHPublicKey", params, self._user_named, user_name,
                             read_only=False)
        with self._change(caller, "DeleteSSHPublicKey", user.arn, params,
                          action="iam:DeleteSSHPublicKey") as change:
            owner = self._user_named(change.tx, user_name).user_name
            self._ssh_key(change.tx, owner, key_id)
            SSH_PUBLIC_KEYS.delete(change.tx, key_id)

    # ------------------------------------------------------------------ signing certificates

    def _signing_certificate(self, view: View, owner: str, cert_id: str) -> SigningCertificate:
        cert = SIGNING_CERTIFICATES.get(view, cert_id)
        if not _own(cert, owner):
            raise NoSuchEntity(f"The Certificate with id {cert_id} cannot be found.")
        return cert  # type: ignore[return-value]

    def upload_signing_certificate(self, caller: Principal, body: str,
                                   user_name: str | None = None) -> SigningCertificate:
        """UploadSigningCertificate: an X.509 certificate in PEM, Active, two per user; the
        caller's own without `user_name` (MalformedCertificate, InvalidCertificate,
        DuplicateCertificate, LimitExceeded)."""
        if user_name is not None:
            validate_user_name(user_name)
        params = {"userName": user_name, "certificateBody": body}
        _, arn = self._subject(caller, "UploadSigningCertificate", params, credential_owner,
                               caller, user_name, read_only=False)
        with self._change(caller, "UploadSigningCertificate", arn, params) as change:
            tx = change.tx
            owner, _ = credential_owner(tx, caller, user_name)
            try:
                info = parse_signing_certificate(body, self.clock())
            except CertificateProblem as problem:
                raise certificate_error(problem) from None
            if SIGNING_CERTIFICATES.find_by(tx, "sha256", info.sha256):
                raise DuplicateCertificate("The same certificate is already associated with "
                                           "an IAM user in this account.")
            if len(SIGNING_CERTIFICATES.find_by(tx, "user", owner)) >= \
                    SIGNING_CERTIFICATES_PER_USER:
                raise LimitExceeded("Cannot exceed quota for CertificatesPerUser: "
                                    f"{SIGNING_CERTIFICATES_PER_USER}")
            cert_id = _new_id("", 32, _CERT_ID_ALPHABET)
            cert = SigningCertificate(cert_id, owner, info.body, info.sha256, self.clock())
            SIGNING_CERTIFICATES.put(tx, cert)
            change.response = {"certificate": {"certificateId": cert_id, "userName": owner,
                                               "status": cert.status}}
        return cert

    def list_signing_certificates(self, caller: Principal, user_name: str | None = None
                                  ) -> list[SigningCertificate]:
        """ListSigningCertificates: a user's certificates (the caller's own without a name)."""
        if user_name is not None:
            validate_user_name(user_name)
        params = {"userName": user_name}
        _, arn = self._subject(caller, "ListSigningCertificates", params, credential_owner,
                               caller, user_name)
        view = self._read(caller, "ListSigningCertificates", arn, params=params)
        owner, _ = credential_owner(view, caller, user_name)
        return signing_certificates_of(view, owner)

    def update_signing_certificate(self, caller: Principal, cert_id: str, status: str,
                                   user_name: str | None = None) -> SigningCertificate:
        """UpdateSigningCertificate: Active or Inactive."""
        if user_name is not None:
            validate_user_name(user_name)
        _validate_id(cert_id, "certificateId", 24)
        new_status = validate_credential_status(status)
        params = {"userName": user_name, "certificateId": cert_id, "status": status}
        _, arn = self._subject(caller, "UpdateSigningCertificate", params, credential_owner,
                               caller, user_name, read_only=False)
        with self._change(caller, "UpdateSigningCertificate", arn, params) as change:
            owner, _ = credential_owner(change.tx, caller, user_name)
            cert = replace(self._signing_certificate(change.tx, owner, cert_id),
                           status=new_status)
            SIGNING_CERTIFICATES.put(change.tx, cert)
        return cert

    def delete_signing_certificate(self, caller: Principal, cert_id: str,
                                   user_name: str | None = None) -> None:
        """DeleteSigningCertificate."""
        if user_name is not None:
            validate_user_name(user_name)
        _validate_id(cert_id, "certificateId", 24)
        params = {"userName": user_name, "certificateId": cert_id}
        _, arn = self._subject(caller, "DeleteSigningCertificate", params, credential_owner,
                               caller, user_name, read_only=False)
        with self._change(caller, "DeleteSigningCertificate", arn, params) as change:
            owner, _ = credential_owner(change.tx, caller, user_name)
            self._signing_certificate(change.tx, owner, cert_id)
            SIGNING_CERTIFICATES.delete(change.tx, cert_id)

    # ------------------------------------------------------------------ service-specific

    def _service_credential(self, view: View, owner: str, cred_id: str
                            ) -> ServiceSpecificCredential:
        cred = SERVICE_CREDENTIALS.get(view, cred_id)
        if not _own(cred, owner):
            raise NoSuchEntity(f"No such credential {cred_id} exists for user {owner}.")
        return cred  # type: ignore[return-value]

    def create_service_specific_credential(
            self, caller: Principal, user_name: str, service_name: str,
            credential_age_days: int | None = None) -> NewServiceCredential:
        """CreateServiceSpecificCredential: a user name and password for CodeCommit (Git
        over HTTPS) or Amazon Keyspaces, or a long-term API key (an alias and a secret) for
        Amazon Bedrock or CloudWatch Logs; the password or secret is returned only here and
        only its digest is stored. Two per user and service (LimitExceeded);
        NotSupportedService for other services. `credential_age_days` (1-36600, API keys
        only: InvalidInput for the others) sets an expiration date."""
        validate_user_name(user_name)
        _check_service(service_name)
        if credential_age_days is not None:
            _check_age_days(credential_age_days, service_name)
        params = {"userName": user_name, "serviceName": service_name,
                  "credentialAgeDays": credential_age_days}
        user = self._subject(caller, "CreateServiceSpecificCredential", params,
                             self._user_named, user_name, read_only=False)
        now = self.clock()
        alias = api_key_alias(user.user_name, now) if service_name in API_KEY_SERVICES \
            else None
        password = api_key_secret(alias) if alias else _new_service_password()
        with self._audited(caller, "CreateServiceSpecificCredential", params,
                           authorize=lambda tx: self._authorize(
                               tx, caller, "iam:CreateServiceSpecificCredential", user.arn),
                           secrets_used=(password,)) as change:
            tx = change.tx
            user = self._user_named(tx, user_name)
            mine = [c for c in SERVICE_CREDENTIALS.find_by(tx, "user", user.user_name)
                    if c.service_name == service_name]
            if len(mine) >= SERVICE_CREDENTIALS_PER_SERVICE:
                raise LimitExceeded("Cannot exceed quota for "
                                    "ServiceSpecificCredentialsPerUserPerService: "
                                    f"{SERVICE_CREDENTIALS_PER_SERVICE}")
            cred = ServiceSpecificCredential(
                _new_id("ACCA", 21), user.user_name, service_name,
                "" if alias else service_user_name(user.user_name, self.account_id),
                secret_digest(password), now,
                expiration_date=(now + timedelta(days=credential_age_days)
                                 if credential_age_days else None),
                service_credential_alias=alias)
            SERVICE_CREDENTIALS.put(tx, cred)
            change.response = {"serviceSpecificCredential": aws_service_credential(cred)}
        return NewServiceCredential(cred, password)

    def list_service_specific_credentials(self, caller: Principal, user_name: str | None = None,
                                          service_name: str | None = None, *,
                                          all_users: bool = False
                                          ) -> list[ServiceSpecificCredential]:
        """ListServiceSpecificCredentials: a user's (the caller's own without a name), or with
        `all_users` every user's (authorized on the account's users, arn:...:user/*), of one
        service when `service_name` is given; never a password. UserName and AllUsers
        together are InvalidInput (IAM API Reference: they cannot be given together)."""
        if user_name is not None:
            validate_user_name(user_name)
        if service_name is not None:
            _check_service(service_name)
        now = self.clock()
        if all_users:
            if user_name is not None:
                raise InvalidInput("AllUsers cannot be specified together with UserName.")
            params = {"serviceName": service_name, "allUsers": True}
            view = self._read(caller, "ListServiceSpecificCredentials",
                              f"arn:aws:iam::{self.account_id}:user/*", params=params)
            # each user's, as listing them one by one is authorized
            self._authorize_each(view, caller, "ListServiceSpecificCredentials",
                                 "iam:ListServiceSpecificCredentials",
                                 [u.arn for u in OWNERS["user"].table.all(view)], params,
                                 "every user of the account (--all-users lists them all)")
            found = sorted(SERVICE_CREDENTIALS.all(view),
                           key=lambda c: (c.user_name.lower(), c.create_date, c.credential_id))
        else:
            params = {"userName": user_name, "serviceName": service_name}
            _, arn = self._subject(caller, "ListServiceSpecificCredentials", params,
                                   credential_owner, caller, user_name)
            view = self._read(caller, "ListServiceSpecificCredentials", arn, params=params)
            owner, _ = credential_owner(view, caller, user_name)
            found = service_credentials_of(view, owner)
        return [effective(c, now) for c in found
                if service_name is None or c.service_name == service_name]

    def reset_service_specific_credential(self, caller: Principal, cred_id: str,
                                          user_name: str | None = None) -> NewServiceCredential:
        """ResetServiceSpecificCredential: a new password for the same credential, shown
        once; the old one stops working."""
        if user_name is not None:
            validate_user_name(user_name)
        _validate_id(cred_id, "serviceSpecificCredentialId", 20)
        params = {"userName": user_name, "serviceSpecificCredentialId": cred_id}
        _, arn = self._subject(caller, "ResetServiceSpecificCredential", params,
                               credential_owner, caller, user_name, read_only=False)
        existing = SERVICE_CREDENTIALS.get(self.store.snapshot(), cred_id)
        alias = existing.service_credential_alias if existing else None  # an API key's
        password = api_key_secret(alias) if alias else _new_service_password()
        with self._audited(caller, "ResetServiceSpecificCredential", params,
                           authorize=lambda tx: self._authorize(
                               tx, caller, "iam:ResetServiceSpecificCredential", arn),
                           secrets_used=(password,)) as change:
            owner, _ = credential_owner(change.tx, caller, user_name)
            cred = replace(self._service_credential(change.tx, owner, cred_id),
                           password_digest=secret_digest(password))
            SERVICE_CREDENTIALS.put(change.tx, cred)
            change.response = {"serviceSpecificCredential": aws_service_credential(cred)}
        return NewServiceCredential(effective(cred, self.clock()), password)

    def update_service_specific_credential(self, caller: Principal, cred_id: str, status: str,
                                           user_name: str | None = None
                                           ) -> ServiceSpecificCredential:
        """UpdateServiceSpecificCredential: Active or Inactive."""
        if user_name is not None:
            validate_user_name(user_name)
        _validate_id(cred_id, "serviceSpecificCredentialId", 20)
        new_status = validate_credential_status(status)
        params = {"userName": user_name, "serviceSpecificCredentialId": cred_id,
                  "status": status}
        _, arn = self._subject(caller, "UpdateServiceSpecificCredential", params,
                               credential_owner, caller, user_name, read_only=False)
        with self._change(caller, "UpdateServiceSpecificCredential", arn, params) as change:
            owner, _ = credential_owner(change.tx, caller, user_name)
            cred = replace(self._service_credential(change.tx, owner, cred_id),
                           status=new_status)
            SERVICE_CREDENTIALS.put(change.tx, cred)
        return cred

    def delete_service_specific_credential(self, caller: Principal, cred_id: str,
                                           user_name: str | None = None) -> None:
        """DeleteServiceSpecificCredential."""
        if user_name is not None:
            validate_user_name(user_name)
        _validate_id(cred_id, "serviceSpecificCredentialId", 20)
        params = {"userName": user_name, "serviceSpecificCredentialId": cred_id}
        _, arn = self._subject(caller, "DeleteServiceSpecificCredential", params,
                               credential_owner, caller, user_name, read_only=False)
        with self._change(caller, "DeleteServiceSpecificCredential", arn, params) as change:
            owner, _ = credential_owner(change.tx, caller, user_name)
            self._service_credential(change.tx, owner, cred_id)
            SERVICE_CREDENTIALS.delete(change.tx, cred_id)


def _check_service(service_name: str) -> None:
    if service_name not in SUPPORTED_SERVICES:
        raise NotSupportedService(f"Service {service_name} is not supported for "
                                  "service-specific credentials. Supported services: "
                                  f"{', '.join(SUPPORTED_SERVICES)}.")


def _check_age_days(days: int, service_name: str) -> None:
    """CredentialAgeDays: 1-36,600 (ValidationError), for API keys only (InvalidInput)."""
    if isinstance(days, bool) or not isinstance(days, int) or \
            not 1 <= days <= MAX_CREDENTIAL_AGE_DAYS:
        bound = ("greater than or equal to 1" if isinstance(days, int) and days < 1
                 else f"less than or equal to {MAX_CREDENTIAL_AGE_DAYS}")
        raise ValidationError(f"1 validation error detected: Value '{days}' at "
                              "'credentialAgeDays' failed to satisfy constraint: Member must "
                              f"have value {bound}")
    if service_name not in API_KEY_SERVICES:
        raise InvalidInput(f"CredentialAgeDays is only valid for long-term API keys "
                           f"({', '.join(API_KEY_SERVICES)}), not {service_name}.")


def api_key_alias(user_name: str, now: datetime) -> str:
    """An API key's ServiceCredentialAlias: the user's name and a suffix of version and
    creation time, as AWS describes it (within [\\w+=,.@-], at most 200 characters)."""
    return f"{user_name}+v1-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def api_key_secret(alias: str) -> str:
    """An API key's ServiceCredentialSecret (shown once; only its digest is kept)."""
    raw = f"{alias}:{secrets.token_urlsafe(32)}".encode()
    return API_KEY_SECRET_PREFIX + base64.b64encode(raw).decode("ascii")


def _new_service_password() -> str:
    # 256 random bits, base64 as AWS's generated Git passwords look
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signing_certificates_of(view: View, owner: str) -> list[SigningCertificate]:
    """A user's signing certificates, oldest first (the credential report's cert_1, cert_2)."""
    return sorted(SIGNING_CERTIFICATES.find_by(view, "user", owner),
                  key=lambda c: (c.upload_date, c.certificate_id))


def service_credentials_of(view: View, owner: str) -> list[ServiceSpecificCredential]:
    """A user's service-specific credentials, oldest first."""
    return sorted(SERVICE_CREDENTIALS.find_by(view, "user", owner),
                  key=lambda c: (c.create_date, c.credential_id))


def user_credential_dependents(tx: Tx, user: User) -> list[Dependent]:
    """A user's signing certificates, SSH public keys and service-specific credentials, in
    the order DeleteUser asks for them (AWS CLI Command Reference, delete-user), each with
    the request that removes it by hand."""
    name, out = user.user_name, []
    tables: Sequence[tuple[str, Any, str, str, Any]] = (
        ("delete signing certificates", SIGNING_CERTIFICATES, "DeleteSigningCertificate",
         "certificateId", lambda c: c.certificate_id),
        ("delete SSH public keys", SSH_PUBLIC_KEYS, "DeleteSSHPublicKey", "sSHPublicKeyId",
         lambda k: k.ssh_public_key_id),
        ("delete service-specific credentials", SERVICE_CREDENTIALS,
         "DeleteServiceSpecificCredential", "serviceSpecificCredentialId",
         lambda c: c.credential_id),
    )
    for what, table, event, id_field, id_of in tables:
        items = table.find_by(tx, "user", name)
        if items:
            ids = [id_of(i) for i in items]
            out.append(Dependent(
                what, tuple(Step(event, user.arn, {"userName": name, id_field: i}) for i in ids),
                lambda table=table, ids=ids: [table.delete(tx, i) for i in ids]))
    return out


def rename_user_credentials(tx: Tx, old: str, new: str) -> None:
    """UpdateUser's new name on the user's SSH keys, certificates and service credentials
    (the generated service user name keeps the name it was created with, as AWS's does)."""
    for table in (SSH_PUBLIC_KEYS, SIGNING_CERTIFICATES, SERVICE_CREDENTIALS):
        for item in table.find_by(tx, "user", old):
            table.put(tx, replace(item, user_name=new))


__all__ = ["API_KEY_SERVICES", "PASSWORD_SERVICES", "SERVICE_CREDENTIALS_PER_SERVICE",
           "SIGNING_CERTIFICATES_PER_USER",
           "SSH_KEYS_PER_USER", "SUPPORTED_SERVICES", "DuplicateCertificate",
           "DuplicateSSHPublicKey", "NewServiceCredential", "NotSupportedService",
           "UserCredentialOperations", "certificate_error", "effective",
           "rename_user_credentials", "service_credentials_of", "service_user_name",
           "signing_certificates_of", "user_credential_dependents",
           "validate_credential_status"]
