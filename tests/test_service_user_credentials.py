"""A user's SSH public keys, X.509 signing certificates and service-specific credentials.

AWS pages: IAM API Reference, UploadSSHPublicKey, GetSSHPublicKey, ListSSHPublicKeys,
UpdateSSHPublicKey, DeleteSSHPublicKey, UploadSigningCertificate, ListSigningCertificates,
UpdateSigningCertificate, DeleteSigningCertificate, CreateServiceSpecificCredential,
ListServiceSpecificCredentials, ResetServiceSpecificCredential,
UpdateServiceSpecificCredential, DeleteServiceSpecificCredential; IAM User Guide, "Use SSH
keys and SSH with CodeCommit", "Manage signing certificates", "Use IAM with CodeCommit: Git
credentials, SSH keys, and AWS access keys", "IAM and AWS STS quotas", "Getting credential
reports for your AWS account"; AWS CLI Command Reference, delete-user.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from cert_factory import certificate, pem_public_key, rsa_key, ssh_public_key
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ed25519
from helpers import ACCOUNT_ID, FakeClock
from oidc_helpers import assert_matches_aws_model

from iamtui.errors import (
    AccessDenied,
    DeleteConflict,
    IamError,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import InlinePolicy
from iamtui.security.access_keys import verify_secret
from iamtui.service import IamService, Principal
from iamtui.service.credential_tables import SERVICE_CREDENTIALS
from iamtui.service.reports import CREDENTIAL_REPORT_COLUMNS
from iamtui.service.tables import INLINE_POLICIES

OWN_CREDENTIALS_POLICY = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Action": ["iam:UploadSSHPublicKey", "iam:ListSSHPublicKeys", "iam:GetSSHPublicKey",
             "iam:CreateServiceSpecificCredential", "iam:UploadSigningCertificate"],
  "Resource": "arn:aws:iam::*:user/${aws:username}"}]}"""


def md5_colon_hex(ssh_line: str) -> str:
    """ssh-keygen -E md5's fingerprint of an ssh-rsa line: MD5 of the base64-decoded blob."""
    digest = hashlib.md5(base64.b64decode(ssh_line.split()[1])).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def files_bytes(service: IamService) -> bytes:
    folder = Path(service.store.path).parent
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


def as_user(service: IamService, root: Principal, name: str, policy: str) -> Principal:
    service.create_user(root, name)
    with service.store.transaction() as tx:
        INLINE_POLICIES.put(tx, InlinePolicy("user", name, "own", policy))
    return Principal.for_user(service.get_user(root, name), ACCOUNT_ID)


# ------------------------------------------------------------------ SSH public keys


def test_ssh_key_upload_gives_an_apka_id_and_the_md5_fingerprint(service: IamService,
                                                                 root: Principal,
                                                                 clock: FakeClock) -> None:
    """UploadSSHPublicKey: an Active key with an ID (APKA..., 20 characters as in AWS's
    examples), the MD5 fingerprint of the key ("Use SSH keys and SSH with CodeCommit"), the
    body in OpenSSH form; GetSSHPublicKey --encoding PEM gives the same key in PEM."""
    service.create_user(root, "alice")
    line = ssh_public_key()
    key = service.upload_ssh_public_key(root, "alice", line)
    assert re.fullmatch(r"APKA[A-Z2-7]{16}", key.ssh_public_key_id)
    assert key.fingerprint == md5_colon_hex(line)
    assert (key.status, key.user_name, key.upload_date) == ("Active", "alice", clock.now)
    assert key.body == " ".join(line.split()[:2])
    pem = service.get_ssh_public_key(root, "alice", key.ssh_public_key_id).pem_body
    loaded = serialization.load_pem_public_key(pem.encode())
    assert loaded.public_numbers() == rsa_key().public_key().public_numbers()


def test_pem_keys_are_taken_and_the_same_key_twice_is_a_duplicate(service: IamService,
                                                                  root: Principal) -> None:
    """UploadSSHPublicKey takes ssh-rsa or PEM; the same key again, in either form, is
    DuplicateSSHPublicKey; another user may upload it."""
    service.create_user(root, "alice")
    service.create_user(root, "bob")
    key = service.upload_ssh_public_key(root, "alice", pem_public_key())
    assert key.fingerprint == md5_colon_hex(ssh_public_key())
    with pytest.raises(IamError) as caught:
        service.upload_ssh_public_key(root, "alice", ssh_public_key())
    assert caught.value.code == "DuplicateSSHPublicKey"
    assert service.upload_ssh_public_key(root, "bob", ssh_public_key()).user_name == "bob"


@pytest.mark.parametrize(("body", "code"), [
    ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGxl me@host", "UnrecognizedPublicKeyEncoding"),
    ("not a key at all", "UnrecognizedPublicKeyEncoding"),
    ("ssh-rsa AAAAnotbase64!!", "InvalidPublicKey"),
    ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "InvalidPublicKey"),
])
def test_bad_ssh_keys_are_refused_with_awss_codes(service: IamService, root: Principal,
                                                  body: str, code: str) -> None:
    """UploadSSHPublicKey: UnrecognizedPublicKeyEncoding for a form other than ssh-rsa or
    PEM, InvalidPublicKey for one that is malformed; nothing is stored."""
    service.create_user(root, "alice")
    with pytest.raises(IamError) as caught:
        service.upload_ssh_public_key(root, "alice", body)
    assert caught.value.code == code
    assert service.list_ssh_public_keys(root, "alice") == []
    assert service.audit.page(0, 1)[0]["errorCode"] == code


def test_short_and_non_rsa_keys_are_invalid(service: IamService, root: Principal) -> None:
    """"The minimum bit-length of the public key is 2048 bits" (UploadSSHPublicKey); an
    ed25519 key in PEM is not an RSA key either."""
    service.create_user(root, "alice")
    with pytest.raises(IamError, match="2048") as caught:
        service.upload_ssh_public_key(root, "alice", ssh_public_key(1024))
    assert caught.value.code == "InvalidPublicKey"
    ed = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(IamError) as caught:
        service.upload_ssh_public_key(root, "alice", ed)
    assert caught.value.code == "InvalidPublicKey"


def test_five_ssh_keys_per_user(service: IamService, root: Principal) -> None:
    """IAM and AWS STS quotas: SSH public keys per user, 5 (LimitExceeded)."""
    service.create_user(root, "alice")
    for n in range(5):
        service.upload_ssh_public_key(root, "alice", ssh_public_key(n=n))
    with pytest.raises(LimitExceeded, match="5"):
        service.upload_ssh_public_key(root, "alice", ssh_public_key(n=5))
    assert len(service.list_ssh_public_keys(root, "alice")) == 5


def test_update_and_delete_ssh_keys(service: IamService, root: Principal) -> None:
    """UpdateSSHPublicKey: Active or Inactive (Expired is AWS's to set: InvalidInput; other
    values ValidationError); another user's key ID is NoSuchEntity; DeleteSSHPublicKey."""
    service.create_user(root, "alice")
    service.create_user(root, "bob")
    key_id = service.upload_ssh_public_key(root, "alice", ssh_public_key()).ssh_public_key_id
    assert service.update_ssh_public_key(root, "alice", key_id, "Inactive").status == "Inactive"
    assert service.list_ssh_public_keys(root, "alice")[0].status == "Inactive"
    with pytest.raises(InvalidInput):
        service.update_ssh_public_key(root, "alice", key_id, "Expired")
    with pytest.raises(ValidationError, match="Active, Inactive, Expired"):
        service.update_ssh_public_key(root, "alice", key_id, "Off")
    with pytest.raises(NoSuchEntity, match=f"The Public Key with id {key_id} cannot be found"):
        service.delete_ssh_public_key(root, "bob", key_id)
    with pytest.raises(ValidationError, match="sSHPublicKeyId"):
        service.get_ssh_public_key(root, "alice", "short")
    service.delete_ssh_public_key(root, "alice", key_id)
    assert service.list_ssh_public_keys(root, "alice") == []


def test_users_manage_their_own_credentials_only(service: IamService, root: Principal) -> None:
    """Each operation is authorized as its IAM action on the user's ARN: a policy on
    user/${aws:username} lets a user upload their own SSH key and Git credential, not
    another user's (AccessDenied, audited)."""
    service.create_user(root, "bob")
    alice = as_user(service, root, "alice", OWN_CREDENTIALS_POLICY)
    assert service.upload_ssh_public_key(alice, "alice", ssh_public_key()).user_name == "alice"
    assert len(service.list_ssh_public_keys(alice)) == 1  # no user name: the caller's own
    with pytest.raises(AccessDenied, match="iam:UploadSSHPublicKey"):
        service.upload_ssh_public_key(alice, "bob", ssh_public_key(n=1))
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("UploadSSHPublicKey", "AccessDenied")
    service.create_service_specific_credential(alice, "alice", "codecommit.amazonaws.com")
    with pytest.raises(AccessDenied, match="iam:CreateServiceSpecificCredential"):
        service.create_service_specific_credential(alice, "bob", "codecommit.amazonaws.com")
    assert service.list_ssh_public_keys(root, "bob") == []


# ------------------------------------------------------------------ signing certificates


def test_signing_certificate_upload_list_update_delete(service: IamService,
                                                       root: Principal) -> None:
    """UploadSigningCertificate: an Active certificate with an ID of 24 or more characters;
    ListSigningCertificates returns it with its body; UpdateSigningCertificate,
    DeleteSigningCertificate; a certificate ID that is not the user's is NoSuchEntity."""
    service.create_user(root, "alice")
    pem = certificate()
    cert = service.upload_signing_certificate(root, pem, "alice")
    assert len(cert.certificate_id) >= 24 and cert.status == "Active"
    assert [c.body for c in service.list_signing_certificates(root, "alice")] == [pem.strip()]
    service.update_signing_certificate(root, cert.certificate_id, "Inactive", "alice")
    assert service.list_signing_certificates(root, "alice")[0].status == "Inactive"
    with pytest.raises(NoSuchEntity, match="The Certificate with id"):
        service.delete_signing_certificate(root, cert.certificate_id)  # root's own: not there
    service.delete_signing_certificate(root, cert.certificate_id, "alice")
    assert service.list_signing_certificates(root, "alice") == []


def test_two_signing_certificates_per_user_and_no_duplicates(service: IamService,
                                                             root: Principal) -> None:
    """IAM and AWS STS quotas: signing certificates per user, 2 (LimitExceeded); the same
    certificate already in the account is DuplicateCertificate (UploadSigningCertificate)."""
    service.create_user(root, "alice")
    service.create_user(root, "bob")
    first = certificate(serial=1)
    service.upload_signing_certificate(root, first, "alice")
    service.upload_signing_certificate(root, certificate(serial=2), "alice")
    with pytest.raises(LimitExceeded, match="2"):
        service.upload_signing_certificate(root, certificate(serial=3), "alice")
    with pytest.raises(IamError) as caught:
        service.upload_signing_certificate(root, first, "bob")
    assert (caught.value.code, caught.value.http_status) == ("DuplicateCertificate", 409)


def test_malformed_expired_and_invalid_certificates(service: IamService,
                                                    root: Principal) -> None:
    """MalformedCertificate: "the certificate was malformed or expired"; InvalidCertificate
    for a key IAM does not take (here DSA)."""
    service.create_user(root, "alice")
    expired = certificate(days=1, not_before=service.clock().replace(year=2020))
    dsa_cert = certificate(dsa.generate_private_key(2048))  # type: ignore[arg-type]
    for body, code in (("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                        "MalformedCertificate"), ("hello", "MalformedCertificate"),
                       (expired, "MalformedCertificate"), (dsa_cert, "InvalidCertificate"),
                       (certificate() + certificate(serial=9), "MalformedCertificate")):
        with pytest.raises(IamError) as caught:
            service.upload_signing_certificate(root, body, "alice")
        assert caught.value.code == code, body[:40]
    assert service.list_signing_certificates(root, "alice") == []


def test_credential_report_shows_signing_certificates(service: IamService, root: Principal,
                                                      clock: FakeClock) -> None:
    """"Getting credential reports for your AWS account": cert_1_active and
    cert_1_last_rotated (the certificate's upload), cert_2_* for a second one; the root
    user's own certificate on the <root_account> row."""
    service.create_user(root, "alice")
    first = service.upload_signing_certificate(root, certificate(serial=1), "alice")
    clock.advance(days=1)
    service.upload_signing_certificate(root, certificate(serial=2), "alice")
    service.update_signing_certificate(root, first.certificate_id, "Inactive", "alice")
    service.upload_signing_certificate(root, certificate(serial=3))  # the root user's own
    service.generate_credential_report(root)
    text = service.get_credential_report(root).text
    rows = {line.split(",")[0]: dict(zip(CREDENTIAL_REPORT_COLUMNS, line.split(","),
                                                     strict=True))
            for line in text.splitlines()[1:]}
    alice = rows["alice"]
    assert (alice["cert_1_active"], alice["cert_1_last_rotated"]) == (
        "false", "2026-11-28T12:00:00+00:00")
    assert (alice["cert_2_active"], alice["cert_2_last_rotated"]) == (
        "true", "2026-11-29T12:00:00+00:00")
    assert rows["<root_account>"]["cert_1_active"] == "true"
    assert rows["<root_account>"]["cert_2_active"] == "false"
    assert rows["<root_account>"]["cert_2_last_rotated"] == "N/A"


# ------------------------------------------------------------------ service-specific


def test_git_credentials_show_the_password_once_and_store_a_digest(service: IamService,
                                                                   root: Principal) -> None:
    """CreateServiceSpecificCredential: a generated user name (NAME-at-ACCOUNT) and
    password, which "is returned only once" ("Use IAM with CodeCommit"); only a digest is
    stored and neither the store's files nor the audit log hold the password."""
    service.create_user(root, "alice")
    new = service.create_service_specific_credential(root, "alice", "codecommit.amazonaws.com")
    cred = new.credential
    assert cred.service_user_name == f"alice-at-{ACCOUNT_ID}"
    assert re.fullmatch(r"ACCA[A-Z2-7]{17}", cred.credential_id)
    assert new.service_password not in repr(new)
    stored = SERVICE_CREDENTIALS.get(service.store.snapshot(), cred.credential_id)
    assert stored is not None and verify_secret(stored.password_digest, new.service_password)
    assert new.service_password.encode() not in files_bytes(service)
    assert cred.credential_id.encode() in files_bytes(service)
    listed = service.list_service_specific_credentials(root, "alice")
    assert [c.credential_id for c in listed] == [cred.credential_id]
    reset = service.reset_service_specific_credential(root, cred.credential_id, "alice")
    assert reset.service_password != new.service_password
    stored = SERVICE_CREDENTIALS.get(service.store.snapshot(), cred.credential_id)
    assert stored is not None and not verify_secret(stored.password_digest,
                                                    new.service_password)
    assert reset.service_password.encode() not in files_bytes(service)
    events = [e["eventName"] for e in service.audit.page(0, 10)]
    assert {"CreateServiceSpecificCredential", "ResetServiceSpecificCredential"} <= set(events)


def test_two_per_service_and_supported_services_only(service: IamService,
                                                     root: Principal) -> None:
    """Two service-specific credentials per user and service (LimitExceeded); CodeCommit
    and Amazon Keyspaces (cassandra.amazonaws.com) take them; another service is
    NotSupportedService (ServiceNotSupportedException)."""
    service.create_user(root, "alice")
    for _ in range(2):
        service.create_service_specific_credential(root, "alice", "codecommit.amazonaws.com")
    with pytest.raises(LimitExceeded):
        service.create_service_specific_credential(root, "alice", "codecommit.amazonaws.com")
    service.create_service_specific_credential(root, "alice", "cassandra.amazonaws.com")
    with pytest.raises(IamError) as caught:
        service.create_service_specific_credential(root, "alice", "s3.amazonaws.com")
    assert (caught.value.code, caught.value.http_status) == ("NotSupportedService", 404)
    only = service.list_service_specific_credentials(root, "alice",
                                                     "cassandra.amazonaws.com")
    assert [c.service_name for c in only] == ["cassandra.amazonaws.com"]


def test_credential_age_days_sets_an_expiration(service: IamService, root: Principal,
                                                clock: FakeClock) -> None:
    """CreateServiceSpecificCredential's CredentialAgeDays (1-36600, ValidationError
    outside), "only valid for Bedrock and CloudWatch Logs API keys" (IAM API Reference,
    CreateServiceSpecificCredential: InvalidInput for a Git or Keyspaces credential): an
    ExpirationDate, and the status Expired once it has passed;
    UpdateServiceSpecificCredential to Inactive and DeleteServiceSpecificCredential."""
    service.create_user(root, "alice")
    cred = service.create_service_specific_credential(
        root, "alice", "bedrock.amazonaws.com", credential_age_days=30).credential
    assert cred.expiration_date == clock.now.replace(day=28, month=12)
    for days in (0, 36601):
        with pytest.raises(ValidationError, match="credentialAgeDays"):
            service.create_service_specific_credential(root, "alice", "bedrock.amazonaws.com",
                                                       credential_age_days=days)
    with pytest.raises(InvalidInput, match="CredentialAgeDays"):
        service.create_service_specific_credential(root, "alice", "cassandra.amazonaws.com",
                                                   credential_age_days=30)
    clock.advance(days=31)
    assert service.list_service_specific_credentials(root, "alice")[0].status == "Expired"
    service.update_service_specific_credential(root, cred.credential_id, "Inactive", "alice")
    service.delete_service_specific_credential(root, cred.credential_id, "alice")
    with pytest.raises(NoSuchEntity):
        service.delete_service_specific_credential(root, cred.credential_id, "alice")


def test_bedrock_api_keys(service: IamService, root: Principal) -> None:
    """A long-term API key of Amazon Bedrock (IAM User Guide, "API keys for AWS services";
    IAM API Reference, ServiceSpecificCredential): a ServiceCredentialAlias naming the
    user and a ServiceCredentialSecret shown once, no ServiceUserName or ServicePassword;
    only the secret's digest is stored; reset gives a new secret; two per user."""
    from iamtui.service.credential_tables import aws_service_credential

    service.create_user(root, "alice")
    new = service.create_service_specific_credential(root, "alice", "bedrock.amazonaws.com")
    shown = aws_service_credential(new.credential, password=new.service_password)
    assert_matches_aws_model("iam", "CreateServiceSpecificCredential",
                             {"ServiceSpecificCredential": shown})
    assert "ServiceUserName" not in shown and "ServicePassword" not in shown
    assert shown["ServiceCredentialAlias"].startswith("alice")
    assert shown["ServiceCredentialSecret"] == new.service_password
    assert new.service_password not in files_bytes(service).decode("utf-8", "replace")
    stored = SERVICE_CREDENTIALS.get(service.store.snapshot(), new.credential.credential_id)
    assert stored is not None and verify_secret(stored.password_digest, new.service_password)
    listed = aws_service_credential(service.list_service_specific_credentials(
        root, "alice")[0], listing=True)
    assert listed["ServiceCredentialAlias"] == shown["ServiceCredentialAlias"]
    assert_matches_aws_model("iam", "ListServiceSpecificCredentials",
                             {"ServiceSpecificCredentials": [listed], "IsTruncated": False})
    again = service.reset_service_specific_credential(root, new.credential.credential_id,
                                                      "alice")
    assert again.service_password != new.service_password
    assert again.credential.service_credential_alias == shown["ServiceCredentialAlias"]
    service.create_service_specific_credential(root, "alice", "bedrock.amazonaws.com")
    with pytest.raises(LimitExceeded):
        service.create_service_specific_credential(root, "alice", "bedrock.amazonaws.com")


def test_list_for_all_users(service: IamService, root: Principal) -> None:
    """ListServiceSpecificCredentials --all-users: every user's credentials (of one service
    with ServiceName); "cannot be specified together with UserName" (InvalidInput); a
    caller allowed only on its own user ARN is refused (AccessDenied) (IAM API Reference,
    ListServiceSpecificCredentials)."""
    for name in ("bob", "alice"):
        service.create_user(root, name)
        service.create_service_specific_credential(root, name, "codecommit.amazonaws.com")
    service.create_service_specific_credential(root, "bob", "bedrock.amazonaws.com")
    every = service.list_service_specific_credentials(root, all_users=True)
    assert [c.user_name for c in every] == ["alice", "bob", "bob"]  # by user
    assert {c.service_name for c in every[1:]} == {"codecommit.amazonaws.com",
                                                   "bedrock.amazonaws.com"}
    bedrock = service.list_service_specific_credentials(root, None, "bedrock.amazonaws.com",
                                                        all_users=True)
    assert [c.user_name for c in bedrock] == ["bob"]
    with pytest.raises(InvalidInput, match="AllUsers"):
        service.list_service_specific_credentials(root, "bob", all_users=True)
    own = as_user(service, root, "carol", """{"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "iam:ListServiceSpecificCredentials",
        "Resource": "arn:aws:iam::*:user/${aws:username}"}]}""")
    service.create_service_specific_credential(root, "carol", "codecommit.amazonaws.com")
    assert len(service.list_service_specific_credentials(own)) == 1
    with pytest.raises(AccessDenied):
        service.list_service_specific_credentials(own, all_users=True)


# ------------------------------------------------------------------ the user


def test_delete_user_refuses_while_these_credentials_remain(service: IamService,
                                                            root: Principal) -> None:
    """delete-user (AWS CLI Command Reference): signing certificates, SSH public keys and
    service-specific (Git) credentials must be deleted first (DeleteConflict); a cascade
    deletes them, each audited as the request by hand."""
    service.create_user(root, "alice")
    service.upload_ssh_public_key(root, "alice", ssh_public_key())
    with pytest.raises(DeleteConflict, match="must delete SSH public keys first"):
        service.delete_user(root, "alice")
    service.upload_signing_certificate(root, certificate(), "alice")
    with pytest.raises(DeleteConflict, match="must delete signing certificates first"):
        service.delete_user(root, "alice")
    service.create_service_specific_credential(root, "alice", "codecommit.amazonaws.com")
    service.delete_user(root, "alice", cascade=True)
    names = [e["eventName"] for e in service.audit.page(0, 4)]
    assert set(names) == {"DeleteUser", "DeleteSigningCertificate", "DeleteSSHPublicKey",
                          "DeleteServiceSpecificCredential"}
    service.create_user(root, "alice")
    assert service.list_ssh_public_keys(root, "alice") == []
    assert service.list_service_specific_credentials(root, "alice") == []


def test_delete_user_with_only_git_credentials_names_them(service: IamService,
                                                          root: Principal) -> None:
    service.create_user(root, "alice")
    service.create_service_specific_credential(root, "alice", "codecommit.amazonaws.com")
    with pytest.raises(DeleteConflict, match="must delete service-specific credentials first"):
        service.delete_user(root, "alice")


def test_renaming_a_user_keeps_its_credentials(service: IamService, root: Principal) -> None:
    """UpdateUser: the user's credentials follow the new name."""
    service.create_user(root, "alice")
    key = service.upload_ssh_public_key(root, "alice", ssh_public_key())
    service.upload_signing_certificate(root, certificate(), "alice")
    service.create_service_specific_credential(root, "alice", "codecommit.amazonaws.com")
    service.update_user(root, "alice", new_user_name="alicia")
    assert [k.ssh_public_key_id for k in service.list_ssh_public_keys(root, "alicia")] == [
        key.ssh_public_key_id]
    assert len(service.list_signing_certificates(root, "alicia")) == 1
    assert len(service.list_service_specific_credentials(root, "alicia")) == 1
