"""Server certificates: upload, get, list, rename or move, delete, and their tags.

AWS pages followed: IAM User Guide, "Manage server certificates in IAM" (PEM certificate,
an unencrypted private key that must match it, an optional chain; the private key is never
returned; renaming needs permission on both names); IAM API Reference,
UploadServerCertificate, GetServerCertificate, ListServerCertificates,
UpdateServerCertificate, DeleteServerCertificate, TagServerCertificate,
UntagServerCertificate, ListServerCertificateTags; "IAM identifiers" (ASCA IDs,
`arn:aws:iam::ACCOUNT:server-certificate/PATH/NAME`); "IAM and AWS STS quotas" (20 server
certificates per account).

The private key: it is checked against the certificate (KeyPairMismatch) and then dropped.
AWS never returns it and nothing here terminates TLS, so no form of it is stored, and it is
cut out of the audit record.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from iamtui.arn import (
    _check,
    _iam_arn,
    check_tag_count,
    new_unique_id,
    validate_path,
    validate_path_prefix,
    validate_tag_key,
    validate_tags,
)
from iamtui.errors import EntityAlreadyExists, LimitExceeded, NoSuchEntity
from iamtui.model import Tag, aws_tag
from iamtui.policy import ContextEntry
from iamtui.security.certificates import CertificateProblem, parse_server_certificate
from iamtui.service.core import Principal, ServiceCore, View, nominal_arn
from iamtui.service.credential_tables import (
    SERVER_CERTIFICATES,
    ServerCertificate,
    aws_server_certificate_metadata,
)
from iamtui.service.owners import merge_tags, tag_context
from iamtui.service.user_credentials import certificate_error
from iamtui.store import Tx

SERVER_CERTIFICATES_PER_ACCOUNT = 20
_NAME_RE = re.compile(r"[\w+=,.@-]+", re.ASCII)


def validate_server_certificate_name(name: str,
                                     field: str = "serverCertificateName") -> str:
    """A ServerCertificateName: 1-128 characters of [\\w+=,.@-] (IAM API Reference)."""
    return _check(name, field, 1, 128, _NAME_RE, r"[\w+=,.@-]+")


def server_certificate_arn(account_id: str, path: str, name: str) -> str:
    """`arn:aws:iam::ACCOUNT:server-certificate/PATH/NAME`."""
    return _iam_arn(account_id, "server-certificate", path, name)


class ServerCertificateOperations(ServiceCore):
    """The account's server certificates."""

    def _server_certificate(self, view: View, name: str) -> ServerCertificate:
        cert = SERVER_CERTIFICATES.find_one(view, "name", name)
        if cert is None:
            raise NoSuchEntity(f"The Server Certificate with name {name} cannot be found.",
                               resource=nominal_arn(view, "server-certificate", name))
        return cert

    def upload_server_certificate(self, caller: Principal, name: str, body: str,
                                  private_key: str, *, path: str = "/",
                                  chain: str | None = None,
                                  tags: Sequence[Tag] = ()) -> ServerCertificate:
        """UploadServerCertificate: the certificate (and chain) kept, the private key only
        checked (MalformedCertificate, KeyPairMismatch, EntityAlreadyExists, LimitExceeded).
        With tags, the caller needs iam:TagServerCertificate too."""
        validate_server_certificate_name(name)
        validate_path(path)
        validate_tags(tags)
        arn = server_certificate_arn(self.account_id, path, name)
        params = {"serverCertificateName": name, "path": path, "certificateBody": body,
                  "certificateChain": chain, "tags": [aws_tag(t) for t in tags] or None}
        context = tag_context(tags)

        def authorize(tx: Tx) -> None:  # with tags, also iam:TagServerCertificate (TAG_ON_CREATE)
            self._authorize(tx, caller, "iam:UploadServerCertificate", arn, context)

        with self._audited(caller, "UploadServerCertificate", params, authorize=authorize,
                           secrets_used=(private_key.strip(),) if private_key.strip()
                           else ()) as change:
            tx = change.tx
            if SERVER_CERTIFICATES.find_one(tx, "name", name) is not None:
                raise EntityAlreadyExists(f"The Server Certificate with name {name} already "
                                          "exists.")
            if SERVER_CERTIFICATES.count(tx) >= SERVER_CERTIFICATES_PER_ACCOUNT:
                raise LimitExceeded("Cannot exceed quota for ServerCertificatesPerAccount: "
                                    f"{SERVER_CERTIFICATES_PER_ACCOUNT}")
            try:
                info = parse_server_certificate(body, private_key, chain, self.clock())
            except CertificateProblem as problem:
                raise certificate_error(problem) from None
            cert = ServerCertificate(
                new_unique_id("server-certificate"), name, path, arn,
                info.certificate.body, self.clock(), info.certificate.not_after,
                info.chain, tuple(tags))
            SERVER_CERTIFICATES.put(tx, cert)
            change.response = {"serverCertificateMetadata": {
                k[0].lower() + k[1:]: v
                for k, v in aws_server_certificate_metadata(cert).items()}}
        return cert

    def get_server_certificate(self, caller: Principal, name: str) -> ServerCertificate:
        """GetServerCertificate: the certificate, its chain and tags (never a private key)."""
        validate_server_certificate_name(name)
        params = {"serverCertificateName": name}
        cert = self._subject(caller, "GetServerCertificate", params, self._server_certificate,
                             name)
        view = self._read(caller, "GetServerCertificate", cert.arn, params=params)
        return self._server_certificate(view, name)

    def list_server_certificates(self, caller: Principal, path_prefix: str = "/"
                                 ) -> list[ServerCertificate]:
        """ListServerCertificates: those whose path starts with `path_prefix`, by name.
        Authorized on the account's server certificates (server-certificate/*)."""
        validate_path_prefix(path_prefix)
        resource = server_certificate_arn(self.account_id, path_prefix, "*")
        view = self._read(caller, "ListServerCertificates", resource,
                          params={"pathPrefix": path_prefix})
        return sorted((c for c in SERVER_CERTIFICATES.all(view)
                       if c.path.startswith(path_prefix)),
                      key=lambda c: c.server_certificate_name.casefold())

    def update_server_certificate(self, caller: Principal, name: str, *,
                                  new_name: str | None = None,
                                  new_path: str | None = None) -> ServerCertificate:
        """UpdateServerCertificate: a new name and/or path; the caller needs the permission
        on the old ARN and on the new one ("Manage server certificates in IAM")."""
        validate_server_certificate_name(name)
        if new_name is not None:
            validate_server_certificate_name(new_name, "newServerCertificateName")
        if new_path is not None:
            validate_path(new_path, "newPath")
        params = {"serverCertificateName": name, "newServerCertificateName": new_name,
                  "newPath": new_path}
        cert = self._subject(caller, "UpdateServerCertificate", params,
                             self._server_certificate, name, read_only=False)
        with self._change(caller, "UpdateServerCertificate", cert.arn, params) as change:
            tx = change.tx
            cert = self._server_certificate(tx, name)
            target_name = new_name or cert.server_certificate_name
            target_path = new_path or cert.path
            new_arn = server_certificate_arn(self.account_id, target_path, target_name)
            if new_arn != cert.arn:  # before telling whether the new name is taken
                self._authorize(tx, caller, "iam:UpdateServerCertificate", new_arn)
            if target_name.casefold() != cert.server_certificate_name.casefold() and \
                    SERVER_CERTIFICATES.find_one(tx, "name", target_name) is not None:
                raise EntityAlreadyExists(f"The Server Certificate with name {target_name} "
                                          "already exists.")
            cert = replace(cert, server_certificate_name=target_name, path=target_path,
                           arn=new_arn)
            SERVER_CERTIFICATES.put(tx, cert)
        return cert

    def delete_server_certificate(self, caller: Principal, name: str) -> None:
        """DeleteServerCertificate."""
        validate_server_certificate_name(name)
        params = {"serverCertificateName": name}
        cert = self._subject(caller, "DeleteServerCertificate", params,
                             self._server_certificate, name, read_only=False)
        with self._change(caller, "DeleteServerCertificate", cert.arn, params) as change:
            cert = self._server_certificate(change.tx, name)
            SERVER_CERTIFICATES.delete(change.tx, cert.server_certificate_id)

    def tag_server_certificate(self, caller: Principal, name: str, tags: Sequence[Tag]) -> None:
        """TagServerCertificate: add or overwrite tags (keys ignore case; at most 50)."""
        validate_server_certificate_name(name)
        validate_tags(tags)
        params = {"serverCertificateName": name, "tags": [aws_tag(t) for t in tags]}
        cert = self._subject(caller, "TagServerCertificate", params, self._server_certificate,
                             name, context=tag_context(tags), read_only=False)
        with self._change(caller, "TagServerCertificate", cert.arn, params,
                          context=tag_context(tags)) as change:
            cert = self._server_certificate(change.tx, name)
            merged = merge_tags(cert.tags, tags)
            check_tag_count(len(merged))
            SERVER_CERTIFICATES.put(change.tx, replace(cert, tags=merged))

    def untag_server_certificate(self, caller: Principal, name: str,
                                 tag_keys: Sequence[str]) -> None:
        """UntagServerCertificate: remove tags by key (keys ignore case)."""
        validate_server_certificate_name(name)
        for key in tag_keys:
            validate_tag_key(key)
        params = {"serverCertificateName": name, "tagKeys": list(tag_keys)}
        context = [ContextEntry("aws:TagKeys", tuple(tag_keys), "stringList")]
        cert = self._subject(caller, "UntagServerCertificate", params,
                             self._server_certificate, name, context=context, read_only=False)
        with self._change(caller, "UntagServerCertificate", cert.arn, params,
                          context=context) as change:
            cert = self._server_certificate(change.tx, name)
            drop = {k.lower() for k in tag_keys}
            SERVER_CERTIFICATES.put(change.tx, replace(cert, tags=tuple(
                t for t in cert.tags if t.key.lower() not in drop)))

    def list_server_certificate_tags(self, caller: Principal, name: str) -> tuple[Tag, ...]:
        """ListServerCertificateTags."""
        validate_server_certificate_name(name)
        params = {"serverCertificateName": name}
        cert = self._subject(caller, "ListServerCertificateTags", params,
                             self._server_certificate, name)
        view = self._read(caller, "ListServerCertificateTags", cert.arn, params=params)
        return self._server_certificate(view, name).tags


__all__ = ["SERVER_CERTIFICATES_PER_ACCOUNT", "ServerCertificateOperations",
           "server_certificate_arn", "validate_server_certificate_name"]
