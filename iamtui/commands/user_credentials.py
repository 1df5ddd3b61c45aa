"""SSH public key, signing certificate, service-specific credential and server certificate
commands, with the flags and JSON shapes of `aws iam` (AWS CLI Command Reference, iam).
Bodies are read from `file://PATH` like any parameter; a private key never comes back, and a
service password is printed by create- and reset-service-specific-credential only.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from iamtui.commands.common import parse_tags, register_credential_commands, register_tag_commands
from iamtui.commands.paging import SERVER_PAGE_ARGS, server_page_of
from iamtui.commands.registry import Response, arg, command
from iamtui.commands.session import session
from iamtui.model import aws_tag, aws_timestamp

if TYPE_CHECKING:
    from iamtui.service.user_credentials import NewServiceCredential

_USER = arg("--user-name", required=True, help="the user's name")
_OPTIONAL_USER = arg("--user-name", help="the user (default: the calling user)")
_SSH_ID = arg("--ssh-public-key-id", required=True, help="the key's ID (APKA...)")
_CERT_ID = arg("--certificate-id", required=True, help="the signing certificate's ID")
_CRED_ID = arg("--service-specific-credential-id", required=True,
               help="the credential's ID (ACCA...)")
_SERVER_CERT = arg("--server-certificate-name", required=True,
                   help="the server certificate's name")


# ------------------------------------------------------------------ SSH public keys


@command("upload-ssh-public-key", "Upload an SSH public key (ssh-rsa or PEM, 2048 bits or "
         "more) for CodeCommit.", _USER,
         arg("--ssh-public-key-body", required=True, help="the key, or file://PATH"))
def run_upload_ssh_public_key(args: argparse.Namespace) -> Response:
    from iamtui.service.credential_tables import aws_ssh_public_key

    with session(args) as (svc, caller):
        key = svc.upload_ssh_public_key(caller, args.user_name, args.ssh_public_key_body)
    return Response({"SSHPublicKey": aws_ssh_public_key(key)})


@command("get-ssh-public-key", "Show an SSH public key in SSH or PEM encoding.", _USER,
         _SSH_ID, arg("--encoding", required=True, choices=["SSH", "PEM"],
                      help="SSH (ssh-rsa ...) or PEM"))
def run_get_ssh_public_key(args: argparse.Namespace) -> Response:
    from iamtui.service.credential_tables import aws_ssh_public_key

    with session(args) as (svc, caller):
        key = svc.get_ssh_public_key(caller, args.user_name, args.ssh_public_key_id)
    return Response({"SSHPublicKey": aws_ssh_public_key(key, encoding=args.encoding)})


@command("list-ssh-public-keys", "List a user's SSH public keys.", _OPTIONAL_USER)
def run_list_ssh_public_keys(args: argparse.Namespace) -> Response:
    from iamtui.service.credential_tables import aws_ssh_public_key

    with session(args) as (svc, caller):
        keys = svc.list_ssh_public_keys(caller, args.user_name)
    return Response({"SSHPublicKeys": [aws_ssh_public_key(k, listing=True) for k in keys],
                     "IsTruncated": False},
                    table=[[k.ssh_public_key_id, k.status, aws_timestamp(k.upload_date)]
                           for k in keys], headers=["SSHPublicKeyId", "Status", "UploadDate"])


register_credential_commands("ssh-public-key", "an SSH public key", _SSH_ID, _USER,
                             user_first=True)


# ------------------------------------------------------------------ signing certificates


@command("upload-signing-certificate", "Upload an X.509 signing certificate (PEM).",
         _OPTIONAL_USER, arg("--certificate-body", required=True,
                             help="the PEM certificate, or file://PATH"))
def run_upload_signing_certificate(args: argparse.Namespace) -> Response:
    from iamtui.service.credential_tables import aws_signing_certificate

    with session(args) as (svc, caller):
        cert = svc.upload_signing_certificate(caller, args.certificate_body, args.user_name)
    return Response({"Certificate": aws_signing_certificate(cert)})


@command("list-signing-certificates", "List a user's signing certificates.", _OPTIONAL_USER)
def run_list_signing_certificates(args: argparse.Namespace) -> Response:
    from iamtui.service.credential_tables import aws_signing_certificate

    with session(args) as (svc, caller):
        certs = svc.list_signing_certificates(caller, args.user_name)
    return Response({"Certificates": [aws_signing_certificate(c) for c in certs],
                     "IsTruncated": False},
                    table=[[c.certificate_id, c.status, aws_timestamp(c.upload_date)]
                           for c in certs], headers=["CertificateId", "Status", "UploadDate"])


register_credential_commands("signing-certificate", "a signing certificate", _CERT_ID,
                             _OPTIONAL_USER)


# ------------------------------------------------------------------ service-specific


@command("create-service-specific-credential", "Create a Git (CodeCommit) or Keyspaces "
         "credential, or a Bedrock or CloudWatch Logs API key; its password or secret is "
         "shown this once only.", _USER,
         arg("--service-name", required=True,
             help="codecommit.amazonaws.com, cassandra.amazonaws.com, or for a long-term API "
                  "key bedrock.amazonaws.com or logs.amazonaws.com"),
         arg("--credential-age-days", type=int,
             help="days until an API key expires (1-36600)"))
def run_create_service_specific_credential(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        new = svc.create_service_specific_credential(caller, args.user_name, args.service_name,
                                                     args.credential_age_days)
    return _with_password(new)


@command("reset-service-specific-credential", "Give a service-specific credential a new "
         "password, shown this once only.", _CRED_ID, _OPTIONAL_USER)
def run_reset_service_specific_credential(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        new = svc.reset_service_specific_credential(
            caller, args.service_specific_credential_id, args.user_name)
    return _with_password(new)


def _with_password(new: NewServiceCredential) -> Response:
    from iamtui.service.credential_tables import aws_service_credential

    cred, password = new.credential, new.service_password
    return Response({"ServiceSpecificCredential": aws_service_credential(cred,
                                                                         password=password)},
                    table=[[cred.credential_id,
                            cred.public_name, password, cred.status]],
                    headers=["ServiceSpecificCredentialId", "ServiceUserName or alias",
                             "Password or secret (shown once)", "Status"])


@command("list-service-specific-credentials", "List a user's service-specific credentials, "
         "or every user's (never their passwords or secrets).", _OPTIONAL_USER,
         arg("--service-name", help="only this service's"),
         arg("--all-users", action="store_true",
             help="every user's credentials (not with --user-name)"),
         *SERVER_PAGE_ARGS)
def run_list_service_specific_credentials(args: argparse.Namespace) -> Response:
    from iamtui.service.credential_tables import aws_service_credential

    with session(args) as (svc, caller):
        creds = svc.list_service_specific_credentials(caller, args.user_name,
                                                      args.service_name,
                                                      all_users=args.all_users)
    data = server_page_of({"ServiceSpecificCredentials": [
        aws_service_credential(c, listing=True) for c in creds]},
        "ServiceSpecificCredentials", args)
    shown = {c["ServiceSpecificCredentialId"] for c in data["ServiceSpecificCredentials"]}
    return Response(data, table=[[c.credential_id, c.user_name, c.service_name, c.public_name,
                                  c.status] for c in creds if c.credential_id in shown],
                    headers=["ServiceSpecificCredentialId", "UserName", "ServiceName",
                             "ServiceUserName or alias", "Status"])


register_credential_commands("service-specific-credential", "a service-specific credential",
                             _CRED_ID, _OPTIONAL_USER)


# ------------------------------------------------------------------ server certificates


@command("upload-server-certificate", "Upload a server certificate, its private key (never "
         "stored, never shown again) and its chain.", _SERVER_CERT,
         arg("--certificate-body", required=True, help="the PEM certificate, or file://PATH"),
         arg("--private-key", required=True, help="the unencrypted PEM key, or file://PATH"),
         arg("--certificate-chain", help="the PEM chain, or file://PATH"),
         arg("--path", default="/", help="the certificate's path (default /)"),
         arg("--tags", nargs="+", metavar="TAG", help="Key=k,Value=v ..."))
def run_upload_server_certificate(args: argparse.Namespace) -> Response:
    from iamtui.service.credential_tables import aws_server_certificate_metadata

    with session(args) as (svc, caller):
        cert = svc.upload_server_certificate(
            caller, args.server_certificate_name, args.certificate_body, args.private_key,
            path=args.path, chain=args.certificate_chain, tags=parse_tags(args.tags))
    data = {"ServerCertificateMetadata": aws_server_certificate_metadata(cert)}
    if cert.tags:
        data["Tags"] = [aws_tag(t) for t in cert.tags]
    return Response(data)


@command("get-server-certificate", "Show a server certificate (never its private key).",
         _SERVER_CERT)
def run_get_server_certificate(args: argparse.Namespace) -> Response:
    from iamtui.service.credential_tables import aws_server_certificate

    with session(args) as (svc, caller):
        cert = svc.get_server_certificate(caller, args.server_certificate_name)
    return Response({"ServerCertificate": aws_server_certificate(cert)})


@command("list-server-certificates", "List server certificates, optionally under a path "
         "prefix.", arg("--path-prefix", default="/", help="only those under this path"))
def run_list_server_certificates(args: argparse.Namespace) -> Response:
    from iamtui.service.credential_tables import aws_server_certificate_metadata

    with session(args) as (svc, caller):
        certs = svc.list_server_certificates(caller, args.path_prefix)
    return Response({"ServerCertificateMetadataList": [aws_server_certificate_metadata(c)
                                                       for c in certs],
                     "IsTruncated": False},
                    table=[[c.server_certificate_name, c.path, aws_timestamp(c.expiration),
                            c.arn] for c in certs],
                    headers=["ServerCertificateName", "Path", "Expiration", "Arn"])


@command("update-server-certificate", "Rename a server certificate or change its path.",
         _SERVER_CERT, arg("--new-server-certificate-name", help="the new name"),
         arg("--new-path", help="the new path"))
def run_update_server_certificate(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.update_server_certificate(caller, args.server_certificate_name,
                                      new_name=args.new_server_certificate_name,
                                      new_path=args.new_path)
    return Response({})


@command("delete-server-certificate", "Delete a server certificate.", _SERVER_CERT)
def run_delete_server_certificate(args: argparse.Namespace) -> Response:
    with session(args) as (svc, caller):
        svc.delete_server_certificate(caller, args.server_certificate_name)
    return Response({})


register_tag_commands("server-certificate", _SERVER_CERT, "a server certificate")
