"""Server certificates: UploadServerCertificate, GetServerCertificate,
ListServerCertificates, UpdateServerCertificate, DeleteServerCertificate and their tags.

AWS pages: IAM User Guide, "Manage server certificates in IAM" (PEM body and unencrypted
private key that must match, optional chain, renaming needs both names, the private key is
never returned), "IAM identifiers" (ASCA, server-certificate/PATH/NAME), "IAM and AWS STS
quotas" (20 server certificates); IAM API Reference for each operation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cert_factory import certificate, private_key_pem, rsa_key
from cryptography.hazmat.primitives.asymmetric import ec
from helpers import ACCOUNT_ID

from iamtui.errors import AccessDenied, EntityAlreadyExists, IamError, LimitExceeded, NoSuchEntity
from iamtui.model import InlinePolicy, Tag
from iamtui.service import IamService, Principal
from iamtui.service.tables import INLINE_POLICIES

KEY = private_key_pem(rsa_key())
BODY = certificate()


def store_bytes(service: IamService) -> bytes:
    folder = Path(service.store.path).parent
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


def test_upload_keeps_the_certificate_and_never_the_private_key(service: IamService,
                                                                root: Principal) -> None:
    """UploadServerCertificate: an ASCA ID, the ARN server-certificate/PATH/NAME, the
    certificate's expiration; GetServerCertificate returns body and chain but no private
    key, and no file of the store or the audit log holds the key."""
    chain = certificate(rsa_key(2048, 1), name="Example CA", serial=7)
    cert = service.upload_server_certificate(root, "web", BODY, KEY, path="/cloudfront/",
                                             chain=chain)
    assert re.fullmatch(r"ASCA[A-Z2-7]{17}", cert.server_certificate_id)
    assert cert.arn == f"arn:aws:iam::{ACCOUNT_ID}:server-certificate/cloudfront/web"
    assert cert.expiration.year == 2027
    got = service.get_server_certificate(root, "web")
    assert (got.body, got.chain) == (BODY.strip(), chain.strip())
    raw = store_bytes(service)
    assert b"server-certificate/cloudfront/web" in raw
    assert b"PRIVATE KEY" not in raw
    key_line = KEY.splitlines()[1].encode()
    assert key_line not in raw
    event = service.audit.page(0, 1)[0]
    assert event["eventName"] == "UploadServerCertificate"
    assert "privateKey" not in event["requestParameters"]


def test_a_key_of_another_certificate_is_a_key_pair_mismatch(service: IamService,
                                                             root: Principal) -> None:
    """KeyPairMismatch: "the public key certificate and the private key do not match"."""
    with pytest.raises(IamError) as caught:
        service.upload_server_certificate(root, "web", BODY, private_key_pem(rsa_key(2048, 1)))
    assert caught.value.code == "KeyPairMismatch"
    assert service.list_server_certificates(root) == []


@pytest.mark.parametrize("what", ["body", "key", "encrypted key", "chain", "expired"])
def test_malformed_uploads(service: IamService, root: Principal, what: str) -> None:
    """MalformedCertificate for a body, key or chain that is not PEM, an encrypted private
    key (IAM takes it unencrypted) and an expired certificate."""
    body, key, chain = BODY, KEY, None
    if what == "body":
        body = "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"
    elif what == "key":
        key = "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"
    elif what == "encrypted key":
        key = private_key_pem(rsa_key(), password=b"secret")
    elif what == "chain":
        chain = "not a chain"
    else:
        body = certificate(days=1, not_before=service.clock().replace(year=2020))
    with pytest.raises(IamError) as caught:
        service.upload_server_certificate(root, "web", body, key, chain=chain)
    assert caught.value.code == "MalformedCertificate"


def test_ecdsa_certificates_are_taken(service: IamService, root: Principal) -> None:
    """"Manage server certificates in IAM": ECDSA keys are supported besides RSA."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = service.upload_server_certificate(root, "ec", certificate(key), private_key_pem(key))
    assert cert.server_certificate_name == "ec"


def test_names_are_unique_and_twenty_per_account(service: IamService, root: Principal) -> None:
    """EntityAlreadyExists for a name in use (names ignore case); LimitExceeded past 20."""
    service.upload_server_certificate(root, "web", BODY, KEY)
    with pytest.raises(EntityAlreadyExists, match="WEB"):
        service.upload_server_certificate(root, "WEB", BODY, KEY)
    for n in range(19):
        service.upload_server_certificate(root, f"c{n}", BODY, KEY)
    with pytest.raises(LimitExceeded, match="20"):
        service.upload_server_certificate(root, "one-more", BODY, KEY)


def test_list_by_path_prefix_rename_and_delete(service: IamService, root: Principal) -> None:
    """ListServerCertificates with PathPrefix; UpdateServerCertificate renames and moves
    (EntityAlreadyExists onto a taken name); DeleteServerCertificate; NoSuchEntity after."""
    service.upload_server_certificate(root, "web", BODY, KEY, path="/cloudfront/")
    service.upload_server_certificate(root, "api", BODY, KEY)
    assert [c.server_certificate_name for c in service.list_server_certificates(root)] == [
        "api", "web"]
    assert [c.server_certificate_name
            for c in service.list_server_certificates(root, "/cloudfront/")] == ["web"]
    with pytest.raises(EntityAlreadyExists):
        service.update_server_certificate(root, "web", new_name="api")
    moved = service.update_server_certificate(root, "web", new_name="www", new_path="/elb/")
    assert moved.arn == f"arn:aws:iam::{ACCOUNT_ID}:server-certificate/elb/www"
    with pytest.raises(NoSuchEntity, match="The Server Certificate with name web cannot be"):
        service.get_server_certificate(root, "web")
    service.delete_server_certificate(root, "www")
    assert [c.server_certificate_name for c in service.list_server_certificates(root)] == [
        "api"]


def test_tags(service: IamService, root: Principal) -> None:
    """TagServerCertificate (keys ignore case: a key given again takes the new value),
    UntagServerCertificate, ListServerCertificateTags; tags given at upload."""
    service.upload_server_certificate(root, "web", BODY, KEY, tags=[Tag("env", "prod")])
    service.tag_server_certificate(root, "web", [Tag("ENV", "test"), Tag("team", "a")])
    assert service.list_server_certificate_tags(root, "web") == (Tag("ENV", "test"),
                                                                 Tag("team", "a"))
    service.untag_server_certificate(root, "web", ["env"])
    assert service.list_server_certificate_tags(root, "web") == (Tag("team", "a"),)


def test_renaming_needs_permission_on_both_names(service: IamService, root: Principal) -> None:
    """"Manage server certificates in IAM": the caller of UpdateServerCertificate needs
    the permission on the old and the new name; uploading with tags needs
    iam:TagServerCertificate too."""
    service.upload_server_certificate(root, "web", BODY, KEY)
    service.create_user(root, "ops")
    policy = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":'
              '["iam:UpdateServerCertificate","iam:UploadServerCertificate"],'
              f'"Resource":"arn:aws:iam::{ACCOUNT_ID}:server-certificate/web*"}}]}}')
    with service.store.transaction() as tx:
        INLINE_POLICIES.put(tx, InlinePolicy("user", "ops", "certs", policy))
    ops = Principal.for_user(service.get_user(root, "ops"), ACCOUNT_ID)
    service.update_server_certificate(ops, "web", new_name="web2")
    with pytest.raises(AccessDenied, match="server-certificate/other"):
        service.update_server_certificate(ops, "web2", new_name="other")
    with pytest.raises(AccessDenied, match="iam:TagServerCertificate"):
        service.upload_server_certificate(ops, "web3", BODY, KEY, tags=[Tag("a", "b")])
    assert service.upload_server_certificate(ops, "web3", BODY, KEY).path == "/"
