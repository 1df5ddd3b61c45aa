"""The `aws iam` commands for SSH public keys, signing certificates, service-specific
credentials and server certificates: flags as the AWS CLI Command Reference has them
(bodies through file://), every answer checked against the operation's output shape in
botocore's model of IAM; and the key parsers against any text (hypothesis).
"""

from __future__ import annotations

from pathlib import Path

from aws_output import check_output
from cert_factory import certificate, private_key_pem, rsa_key, ssh_public_key
from hypothesis import given, settings
from hypothesis import strategies as st

from iamtui.security.certificates import (
    CertificateProblem,
    parse_signing_certificate,
    parse_ssh_public_key,
)


def _ok(cli_run, operation: str, *argv: str) -> dict:
    data = cli_run.as_root(*argv)
    assert check_output(operation, data) == [], data
    return data


def test_every_command_answers_in_awss_shape(cli_run, tmp_path: Path) -> None:
    """Upload, get (SSH and PEM), list, update, reset, tag and delete: each answer has the
    members, types, lengths, patterns and enums of its operation's output in the model."""
    cli_run.as_root("create-user", "--user-name", "alice")
    (tmp_path / "id.pub").write_text(ssh_public_key())
    (tmp_path / "cert.pem").write_text(certificate())
    (tmp_path / "key.pem").write_text(private_key_pem(rsa_key()))
    key = _ok(cli_run, "UploadSSHPublicKey", "upload-ssh-public-key", "--user-name", "alice",
              "--ssh-public-key-body", f"file://{tmp_path / 'id.pub'}")["SSHPublicKey"]
    key_id = key["SSHPublicKeyId"]
    pem = _ok(cli_run, "GetSSHPublicKey", "get-ssh-public-key", "--user-name", "alice",
              "--ssh-public-key-id", key_id, "--encoding", "PEM")["SSHPublicKey"]
    assert pem["SSHPublicKeyBody"].startswith("-----BEGIN PUBLIC KEY-----")
    assert pem["Fingerprint"] == key["Fingerprint"]
    _ok(cli_run, "ListSSHPublicKeys", "list-ssh-public-keys", "--user-name", "alice")
    _ok(cli_run, "UpdateSSHPublicKey", "update-ssh-public-key", "--user-name", "alice",
        "--ssh-public-key-id", key_id, "--status", "Inactive")

    cert = _ok(cli_run, "UploadSigningCertificate", "upload-signing-certificate",
               "--user-name", "alice", "--certificate-body",
               f"file://{tmp_path / 'cert.pem'}")["Certificate"]
    listed = _ok(cli_run, "ListSigningCertificates", "list-signing-certificates",
                 "--user-name", "alice")
    assert [c["CertificateId"] for c in listed["Certificates"]] == [cert["CertificateId"]]
    _ok(cli_run, "UpdateSigningCertificate", "update-signing-certificate", "--user-name",
        "alice", "--certificate-id", cert["CertificateId"], "--status", "Inactive")

    created = _ok(cli_run, "CreateServiceSpecificCredential",
                  "create-service-specific-credential", "--user-name", "alice",
                  "--service-name", "codecommit.amazonaws.com")
    cred = created["ServiceSpecificCredential"]
    assert cred["ServicePassword"] and "ExpirationDate" not in cred
    key = _ok(cli_run, "CreateServiceSpecificCredential",
              "create-service-specific-credential", "--user-name", "alice",
              "--service-name", "bedrock.amazonaws.com", "--credential-age-days", "90"
              )["ServiceSpecificCredential"]
    assert key["ServiceCredentialSecret"] and "ExpirationDate" in key
    listed = _ok(cli_run, "ListServiceSpecificCredentials",
                 "list-service-specific-credentials", "--user-name", "alice")
    assert "ServicePassword" not in listed["ServiceSpecificCredentials"][0]
    assert all("ServiceCredentialSecret" not in c
               for c in listed["ServiceSpecificCredentials"])
    page = _ok(cli_run, "ListServiceSpecificCredentials", "list-service-specific-credentials",
               "--all-users", "--max-items", "1")
    assert len(page["ServiceSpecificCredentials"]) == 1 and page["IsTruncated"]
    rest = _ok(cli_run, "ListServiceSpecificCredentials", "list-service-specific-credentials",
               "--all-users", "--marker", page["Marker"])
    assert len(rest["ServiceSpecificCredentials"]) == 1 and not rest["IsTruncated"]
    code, _, err = cli_run.root("list-service-specific-credentials", "--all-users",
                                "--user-name", "alice")
    assert code == 254 and "(InvalidInput)" in err
    reset = _ok(cli_run, "ResetServiceSpecificCredential", "reset-service-specific-credential",
                "--user-name", "alice", "--service-specific-credential-id",
                cred["ServiceSpecificCredentialId"])
    assert reset["ServiceSpecificCredential"]["ServicePassword"] != cred["ServicePassword"]
    _ok(cli_run, "UpdateServiceSpecificCredential", "update-service-specific-credential",
        "--user-name", "alice", "--service-specific-credential-id",
        cred["ServiceSpecificCredentialId"], "--status", "Inactive")

    uploaded = _ok(cli_run, "UploadServerCertificate", "upload-server-certificate",
                   "--server-certificate-name", "web", "--path", "/cloudfront/",
                   "--certificate-body", f"file://{tmp_path / 'cert.pem'}",
                   "--private-key", f"file://{tmp_path / 'key.pem'}",
                   "--tags", "Key=env,Value=prod")
    assert uploaded["Tags"] == [{"Key": "env", "Value": "prod"}]
    got = _ok(cli_run, "GetServerCertificate", "get-server-certificate",
              "--server-certificate-name", "web")
    assert "PRIVATE" not in str(got)
    _ok(cli_run, "ListServerCertificates", "list-server-certificates", "--path-prefix",
        "/cloudfront/")
    _ok(cli_run, "TagServerCertificate", "tag-server-certificate", "--server-certificate-name",
        "web", "--tags", "Key=team,Value=a")
    _ok(cli_run, "ListServerCertificateTags", "list-server-certificate-tags",
        "--server-certificate-name", "web")
    _ok(cli_run, "UntagServerCertificate", "untag-server-certificate",
        "--server-certificate-name", "web", "--tag-keys", "team")
    _ok(cli_run, "UpdateServerCertificate", "update-server-certificate",
        "--server-certificate-name", "web", "--new-server-certificate-name", "www")
    _ok(cli_run, "DeleteServerCertificate", "delete-server-certificate",
        "--server-certificate-name", "www")

    for operation, argv in (
            ("DeleteSSHPublicKey", ("delete-ssh-public-key", "--ssh-public-key-id", key_id)),
            ("DeleteSigningCertificate", ("delete-signing-certificate", "--certificate-id",
                                          cert["CertificateId"])),
            *(("DeleteServiceSpecificCredential", ("delete-service-specific-credential",
                                                   "--service-specific-credential-id",
                                                   c["ServiceSpecificCredentialId"]))
              for c in (cred, key))):
        _ok(cli_run, operation, *argv, "--user-name", "alice")
    _ok(cli_run, "DeleteUser", "delete-user", "--user-name", "alice")


def test_refusals_print_awss_error_line(cli_run) -> None:
    """An AWS-style error on stderr with the operation's name and AWS's code."""
    cli_run.as_root("create-user", "--user-name", "alice")
    code, _, err = cli_run.root("upload-ssh-public-key", "--user-name", "alice",
                                "--ssh-public-key-body", "ssh-dss AAAA")
    assert code == 254
    assert err.startswith("An error occurred (UnrecognizedPublicKeyEncoding) when calling the "
                          "UploadSSHPublicKey operation: ")
    code, _, err = cli_run.root("create-service-specific-credential", "--user-name", "alice",
                                "--service-name", "s3.amazonaws.com")
    assert "(NotSupportedService)" in err and code == 254
    code, _, err = cli_run.root("upload-server-certificate", "--server-certificate-name", "w",
                                "--certificate-body", certificate(),
                                "--private-key", private_key_pem(rsa_key(2048, 1)))
    assert "(KeyPairMismatch) when calling the UploadServerCertificate operation" in err
    assert "PRIVATE" not in err


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=9, max_codepoint=255), max_size=300))
def test_the_ssh_key_parser_refuses_any_text_cleanly(text: str) -> None:
    """Whatever the text, the parser answers with one of UploadSSHPublicKey's error codes
    or a key; never another exception."""
    try:
        parse_ssh_public_key(text)
    except CertificateProblem as problem:
        assert problem.code in ("InvalidPublicKey", "UnrecognizedPublicKeyEncoding")


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["ssh-rsa ", "-----BEGIN PUBLIC KEY-----\n", "-----BEGIN CERTIFICATE"
                        "-----\n"]),
       st.text(alphabet=st.characters(min_codepoint=9, max_codepoint=255), max_size=200))
def test_the_parsers_refuse_bodies_that_only_start_right(head: str, tail: str) -> None:
    """A body with the right header and anything after it is refused with AWS's codes."""
    from datetime import UTC, datetime

    try:
        parse_ssh_public_key(head + tail)
    except CertificateProblem as problem:
        assert problem.code in ("InvalidPublicKey", "UnrecognizedPublicKeyEncoding")
    try:
        parse_signing_certificate(head + tail, datetime.now(UTC))
    except CertificateProblem as problem:
        assert problem.code in ("MalformedCertificate", "InvalidCertificate")


@given(st.sampled_from(["", " me@host", " a comment with spaces"]),
       st.sampled_from(["", "\n", "\r\n", "  \n"]))
def test_comments_and_line_ends_do_not_change_the_key(comment: str, end: str) -> None:
    """ssh-keygen's comment and the file's line end are not part of the key: the same
    fingerprint and body whatever they are."""
    base = parse_ssh_public_key(ssh_public_key(comment=""))
    other = parse_ssh_public_key(ssh_public_key(comment="").strip() + comment + end)
    assert (other.fingerprint, other.ssh_body) == (base.fingerprint, base.ssh_body)
