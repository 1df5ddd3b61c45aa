"""`iamtui serve` with real clients: boto3 and the AWS CLI against a server thread on a free
loopback port, signing with iamtui's access keys (SigV4), authorized and audited as the CLI's
calls are (issue 17)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

import pytest
from helpers import ACCOUNT_ID, ROOT_PASSWORD

from iamtui.errors import IamError
from iamtui.serve import protocol
from iamtui.serve.server import Served, Server
from iamtui.service import IamService, Principal

# awscli first: its botocore then serves boto3 too, as in the rest of the suite (the two
# botocores mixed in one process disagree on the models)
pytest.importorskip("awscli")
boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402  (boto3 brings it)

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
    "Action": "sts:AssumeRole"}]})


class Endpoint(NamedTuple):
    url: str
    service: IamService
    root: Principal
    key_id: str
    secret: str
    served: Served


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[Endpoint]:
    """A served store (real clock: clients sign with the real time) with an admin's key."""
    # the keys in the config folder (the suite's own), where CLI processes find them too
    svc = IamService.initialize(tmp_path / "store" / "iamtui.json", root_password=ROOT_PASSWORD,
                                account_id=ACCOUNT_ID, alias="example")
    root = svc.root_principal()
    svc.enable_serving(root)
    svc.create_user(root, "admin")
    svc.attach_policy(root, "user", "admin", ADMIN)
    key = svc.create_access_key(root, "admin")
    served = Served(svc, secure=False)
    server = Server(("127.0.0.1", 0), served)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield Endpoint(f"http://{host}:{port}", svc, root, key.key.access_key_id,
                       key.secret_access_key, served)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        svc.close()


def client(endpoint: Endpoint, name: str = "iam", key_id: str | None = None,
           secret: str | None = None, token: str | None = None) -> Any:
    session = boto3.session.Session(
        aws_access_key_id=key_id or endpoint.key_id,
        aws_secret_access_key=secret or endpoint.secret, aws_session_token=token,
        region_name="us-east-1")
    return session.client(name, endpoint_url=endpoint.url,
                          config=Config(retries={"total_max_attempts": 1}))


def client_env(endpoint: Endpoint, tmp_path: Path, *,
               endpoint_in_env: bool = False) -> dict[str, str]:
    """A client process's environment: the endpoint's key, one attempt, and none of this
    machine's AWS config or credentials files; with `endpoint_in_env`, AWS_ENDPOINT_URL
    points the SDK and the CLI at the server without an --endpoint-url."""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": endpoint.key_id,
           "AWS_SECRET_ACCESS_KEY": endpoint.secret, "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_MAX_ATTEMPTS": "1", "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    if endpoint_in_env:
        env["AWS_ENDPOINT_URL"] = endpoint.url
    return env


def audit_events(endpoint: Endpoint) -> list[dict[str, Any]]:
    """The audit records, oldest first."""
    return list(reversed(list(endpoint.service.audit.lookup_events())))


def test_create_get_list_users_with_boto3(endpoint: Endpoint) -> None:
    """IAM API Reference: CreateUser, GetUser, ListUsers, the query protocol's answers as boto3
    parses them; each call audited with the connection's address, user agent and request ID
    (CloudTrail User Guide, "CloudTrail record contents")."""
    iam = client(endpoint)
    created = iam.create_user(UserName="alice", Path="/eng/",
                              Tags=[{"Key": "team", "Value": "blue"}])
    assert created["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/eng/alice"
    got = iam.get_user(UserName="alice")["User"]
    assert got["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert isinstance(got["CreateDate"], datetime)
    names = [u["UserName"] for u in iam.list_users()["Users"]]
    assert names == ["admin", "alice"]
    me = iam.get_user()["User"]["UserName"]
    assert me == "admin"
    event = next(e for e in reversed(audit_events(endpoint)) if e["eventName"] == "CreateUser")
    assert event["sourceIPAddress"] == "127.0.0.1"
    assert "Boto3" in event["userAgent"]
    assert event["requestID"] == created["ResponseMetadata"]["RequestId"]
    assert event["userIdentity"]["accessKeyId"] == endpoint.key_id


def test_every_call_over_http_is_audited(endpoint: Endpoint) -> None:
    """CloudTrail User Guide, "Management events": read-only calls (Get*, List*) are logged
    as well as writes, failed ones with their errorCode. Over HTTP every call is in the
    trail once, with the caller, address, user agent and the response's request ID, so the
    TUI's Server screen shows who calls (issue 17)."""
    iam, sts = client(endpoint), client(endpoint, "sts")
    before = len(audit_events(endpoint))
    listed = iam.list_users(PathPrefix="/")
    sts.get_caller_identity()  # audited by STS itself: not twice
    with pytest.raises(iam.exceptions.NoSuchEntityException) as missing:
        iam.get_role(RoleName="nothing")
    events = audit_events(endpoint)[before:]
    assert [(e["eventSource"], e["eventName"], e.get("errorCode"), e["readOnly"])
            for e in events] == [
        ("iam.amazonaws.com", "ListUsers", None, True),
        ("sts.amazonaws.com", "GetCallerIdentity", None, True),
        ("iam.amazonaws.com", "GetRole", "NoSuchEntity", True)]
    assert events[0]["requestParameters"] == {"pathPrefix": "/"}
    assert events[0]["requestID"] == listed["ResponseMetadata"]["RequestId"]
    assert events[2]["requestID"] == missing.value.response["ResponseMetadata"]["RequestId"]
    for event in events:
        assert event["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/admin"
        assert event["sourceIPAddress"] == "127.0.0.1" and "Boto3" in event["userAgent"]


def test_modeled_exception_and_status(endpoint: Endpoint) -> None:
    """IAM API Reference, GetUser, Errors: NoSuchEntity, HTTP 404, as the modeled
    NoSuchEntityException; EntityAlreadyExists is 409."""
    iam = client(endpoint)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as caught:
        iam.get_user(UserName="nobody")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert caught.value.response["Error"]["Type"] == "Sender"
    iam.create_user(UserName="bob")
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as caught:
        iam.create_user(UserName="bob")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_paginator_and_waiter(endpoint: Endpoint) -> None:
    """IAM API Reference, ListUsers (Marker, MaxItems, IsTruncated) through boto3's paginator;
    the user_exists waiter (botocore's waiters-2.json for IAM)."""
    iam = client(endpoint)
    for n in range(5):
        iam.create_user(UserName=f"u{n}")
    pages = list(iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3
    assert [u["UserName"] for p in pages for u in p["Users"]] == \
        ["admin", "u0", "u1", "u2", "u3", "u4"]
    assert pages[0]["IsTruncated"] is True and pages[-1]["IsTruncated"] is False
    iam.get_waiter("user_exists").wait(UserName="u3", WaiterConfig={"Delay": 0,
                                                                    "MaxAttempts": 1})


def test_policy_documents_travel_url_encoded(endpoint: Endpoint) -> None:
    """IAM API Reference, GetUserPolicy: "The policy document returned in this structure is
    URL-encoded compliant with RFC 3986"; boto3 decodes it back into a dict."""
    iam = client(endpoint)
    iam.create_user(UserName="carol")
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/a+b c"}]}
    iam.put_user_policy(UserName="carol", PolicyName="p", PolicyDocument=json.dumps(document))
    assert iam.get_user_policy(UserName="carol", PolicyName="p")["PolicyDocument"] == document


def test_assume_role_then_call_with_session_credentials(endpoint: Endpoint) -> None:
    """AWS STS API Reference: AssumeRole, then GetCallerIdentity signed with the temporary
    credentials and X-Amz-Security-Token (IAM User Guide, "Use temporary credentials with
    AWS resources")."""
    iam = client(endpoint)
    iam.create_role(RoleName="reader", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="reader",
                           PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    creds = client(endpoint, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/reader", RoleSessionName="s1")["Credentials"]
    kw = {"key_id": creds["AccessKeyId"], "secret": creds["SecretAccessKey"],
          "token": creds["SessionToken"]}
    who = client(endpoint, "sts", **kw).get_caller_identity()
    assert who["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/reader/s1"
    session_iam = client(endpoint, **kw)
    assert "admin" in [u["UserName"] for u in session_iam.list_users()["Users"]]
    with pytest.raises(session_iam.exceptions.ClientError) as caught:
        session_iam.create_user(UserName="x")
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(session_iam.exceptions.ClientError) as caught:
        client(endpoint, **{**kw, "token": creds["SessionToken"][:-2] + "xx"}).list_users()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_terraform_first_calls_replayed(endpoint: Endpoint) -> None:
    """What the Terraform AWS provider calls first, replayed with boto3 (Terraform cannot be
    installed here): sts:GetCallerIdentity, iam:GetUser, then create and read a user, a role
    and a policy with its default version (IAM API Reference: GetPolicyVersion returns the
    document URL-encoded)."""
    sts, iam = client(endpoint, "sts"), client(endpoint)
    assert sts.get_caller_identity()["Account"] == ACCOUNT_ID
    assert iam.get_user()["User"]["UserName"] == "admin"
    iam.create_user(UserName="tf-user", Tags=[{"Key": "managed-by", "Value": "terraform"}])
    assert iam.get_user(UserName="tf-user")["User"]["Tags"][0]["Value"] == "terraform"
    role = iam.create_role(RoleName="tf-role", AssumeRolePolicyDocument=TRUST,
                           MaxSessionDuration=7200)["Role"]
    got = iam.get_role(RoleName="tf-role")["Role"]
    assert got["Arn"] == role["Arn"] and got["MaxSessionDuration"] == 7200
    assert got["AssumeRolePolicyDocument"] == json.loads(TRUST)
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="tf-policy",
                            PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
    assert version["PolicyVersion"]["Document"] == document
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]] == \
        ["tf-policy"]


def test_boto3_iam_example_runs_unchanged(endpoint: Endpoint) -> None:
    """The shape of AWS's "IAM examples using SDK for Python (Boto3)" (user and key basics)
    with boto3's resource API: create a user, attach a policy, make a key pair, use it,
    list, then deactivate, delete and clean up, every call as the SDK makes it."""
    resource = boto3.session.Session(
        aws_access_key_id=endpoint.key_id, aws_secret_access_key=endpoint.secret,
        region_name="us-east-1").resource("iam", endpoint_url=endpoint.url,
                                          config=Config(retries={"total_max_attempts": 1}))
    user = resource.create_user(UserName="example-user")
    user.attach_policy(PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    pair = user.create_access_key_pair()
    new = client(endpoint, key_id=pair.access_key_id, secret=pair.secret_access_key)
    assert new.get_user()["User"]["UserName"] == "example-user"
    last = new.get_access_key_last_used(AccessKeyId=pair.access_key_id)
    assert last["UserName"] == "example-user"
    assert sorted(u.name for u in resource.users.all()) == ["admin", "example-user"]
    assert [p.arn for p in user.attached_policies.all()] == \
        ["arn:aws:iam::aws:policy/IAMReadOnlyAccess"]
    pair.deactivate()
    with pytest.raises(new.exceptions.ClientError) as caught:
        new.get_user()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"
    refused = audit_events(endpoint)[-1]  # the refusal is in the trail, with the key named
    assert (refused["eventName"], refused["errorCode"], refused["userIdentity"]["type"],
            refused["userIdentity"]["accessKeyId"], refused["requestID"]) == (
        "GetUser", "InvalidClientTokenId", "Unknown", pair.access_key_id,
        caught.value.response["ResponseMetadata"]["RequestId"])
    pair.delete()
    user.detach_policy(PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    user.delete()
    assert [u.name for u in resource.users.all()] == ["admin"]


# The boto3 Developer Guide's IAM examples ("Managing IAM users", "Managing IAM access keys",
# "Working with IAM policies", "Managing IAM account aliases"), their calls in one script as
# a reader would chain them: plain boto3.client("iam"), no endpoint in the code. The policy
# example's RESOURCE_ARN placeholders are filled in, as the guide asks (IAM, like AWS,
# refuses the placeholder itself: MalformedPolicyDocument). Its AWS managed policies
# (AWSLambdaExecute, AmazonDynamoDBFullAccess) are used as written; the role the attach
# example names is made first, as a reader must.
BOTO3_GUIDE_SCRIPT = """
import json
import boto3

iam = boto3.client("iam")
iam.create_user(UserName="guide-user")
for page in iam.get_paginator("list_users").paginate():
    print("users", [u["UserName"] for u in page["Users"]])
iam.update_user(UserName="guide-user", NewUserName="guide-user2")

key = iam.create_access_key(UserName="guide-user2")["AccessKey"]
for page in iam.get_paginator("list_access_keys").paginate(UserName="guide-user2"):
    print("keys", [k["AccessKeyId"] for k in page["AccessKeyMetadata"]])
used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
print("last used by", used["UserName"])
iam.update_access_key(AccessKeyId=key["AccessKeyId"], Status="Inactive",
                      UserName="guide-user2")
iam.delete_access_key(AccessKeyId=key["AccessKeyId"], UserName="guide-user2")

policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "logs:CreateLogGroup",
     "Resource": "arn:aws:logs:us-east-1:111122223333:*"},
    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Scan"],
     "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/MyTable"}]}
arn = iam.create_policy(PolicyName="myDynamoDBPolicy",
                        PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
print("policy", iam.get_policy(PolicyArn=arn)["Policy"]["PolicyName"])
response = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AWSLambdaExecute")
print("policy", response["Policy"]["PolicyName"], response["Policy"]["DefaultVersionId"])
iam.create_role(RoleName="AmazonDynamoDBFullAccess", AssumeRolePolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
     "Principal": {"Service": "lambda.amazonaws.com"}}]}))
iam.attach_role_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
                       RoleName="AmazonDynamoDBFullAccess")
iam.detach_role_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
                       RoleName="AmazonDynamoDBFullAccess")

iam.create_account_alias(AccountAlias="guide-alias")
print("aliases", iam.list_account_aliases()["AccountAliases"])
iam.delete_account_alias(AccountAlias="guide-alias")
iam.delete_user(UserName="guide-user2")
print("caller", boto3.client("sts").get_caller_identity()["Arn"])
"""


def test_boto3_guide_iam_examples_run_unchanged(endpoint: Endpoint, tmp_path: Path) -> None:
    """The boto3 Developer Guide's IAM examples run as written, pointed at the server by the
    environment alone (AWS_ENDPOINT_URL, the SDKs' "service-specific endpoints" setting),
    and the AWS CLI likewise without --endpoint-url: every call authorized and audited."""
    script = tmp_path / "guide.py"
    script.write_text(BOTO3_GUIDE_SCRIPT, encoding="utf-8")
    env = client_env(endpoint, tmp_path, endpoint_in_env=True)
    before = len(audit_events(endpoint))
    run = subprocess.run([sys.executable, str(script)], env=env, text=True,
                         capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = run.stdout.splitlines()
    assert out[0] == "users ['admin', 'guide-user']"
    assert out[1].startswith("keys ['AKIA") and out[2] == "last used by guide-user2"
    assert out[3:] == ["policy myDynamoDBPolicy", "policy AWSLambdaExecute v1",
                       "aliases ['guide-alias']",
                       f"caller arn:aws:iam::{ACCOUNT_ID}:user/admin"]
    events = audit_events(endpoint)[before:]
    assert [e["eventName"] for e in events] == [  # each call once, in order
        "CreateUser", "ListUsers", "UpdateUser", "CreateAccessKey", "ListAccessKeys",
        "GetAccessKeyLastUsed", "UpdateAccessKey", "DeleteAccessKey", "CreatePolicy",
        "GetPolicy", "GetPolicy", "CreateRole", "AttachRolePolicy", "DetachRolePolicy",
        "CreateAccountAlias", "ListAccountAliases", "DeleteAccountAlias", "DeleteUser",
        "GetCallerIdentity"]
    assert all(e["sourceIPAddress"] == "127.0.0.1" and e.get("errorCode") is None and
               e["userIdentity"]["accessKeyId"] == endpoint.key_id for e in events)
    cli = subprocess.run([sys.executable, "-m", "awscli", "iam", "list-users", "--query",
                          "Users[].UserName", "--output", "text"], env=env, text=True,
                         capture_output=True, timeout=120)
    assert (cli.returncode, cli.stdout.strip()) == (0, "admin"), cli.stderr


# AWS's own IAM examples for Python (awsdocs/aws-doc-sdk-examples, python/example_code/iam:
# role_wrapper, policy_wrapper, user_wrapper, access_key_wrapper and the "create a user and
# assume a role" getting-started scenario), their IAM and STS calls as the wrappers make
# them: a module-level boto3.resource("iam"), boto3.client("sts"), no endpoint in the code.
# Their S3 calls are left out (iamtui serves IAM and STS only), and their waits for IAM's
# eventual consistency (iamtui's store is consistent at once).
AWS_EXAMPLES_SCRIPT = """
import json
import operator
import time
from uuid import uuid4
import boto3

iam = boto3.resource("iam")

# role_wrapper.usage_demo
roles = list(iam.roles.limit(count=10))
for policy in iam.Role(roles[0].name).policies.all():
    print("inline", policy.name)
role = iam.create_role(RoleName="demo-iam-role", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        for service in ["lambda.amazonaws.com", "batchoperations.s3.amazonaws.com"]]}))
print("trust", len(role.assume_role_policy_document["Statement"]))
policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
iam.Role(role.name).attach_policy(PolicyArn=policy_arn)
print("attached", [p.arn for p in iam.Role(role.name).attached_policies.all()])
iam.Role(role.name).detach_policy(PolicyArn=policy_arn)
iam.Role(role.name).delete()

# policy_wrapper.usage_demo
def create_policy(name, description, actions, resource_arn):
    return iam.create_policy(PolicyName=name, Description=description,
                             PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                 {"Effect": "Allow", "Action": actions,
                                  "Resource": resource_arn}]}))

bucket_arn = "arn:aws:s3:::amzn-s3-demo-bucket"
policy = create_policy("demo-iam-policy", "Policy for IAM demonstration.", ["s3:ListObjects"],
                       bucket_arn)
print("local", [p.policy_name for p in iam.policies.filter(Scope="Local")])
time.sleep(1)  # as the example does: versions are told apart by their create dates
version = iam.Policy(policy.arn).create_version(PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"],
                                            "Resource": bucket_arn}]}), SetAsDefault=True)
print("version", version.version_id,
      iam.Policy(policy.arn).default_version.document["Statement"][0]["Action"])
versions = sorted(iam.Policy(policy.arn).versions.all(), key=operator.attrgetter("create_date"))
default_version = rollback_version = None
while default_version is None:
    ver = versions.pop()
    if ver.is_default_version:
        default_version = ver
rollback_version = versions.pop()
rollback_version.set_as_default()
default_version.delete()
print("rolled back", rollback_version.version_id,
      iam.Policy(policy.arn).default_version.document["Statement"][0]["Action"])
iam.Policy(policy.arn).delete()

# user_wrapper.usage_demo (and access_key_wrapper's calls)
writer, reader = iam.create_user(UserName="demo-iam-read-writer"), \
    iam.create_user(UserName="demo-iam-reader")
iam.User(writer.name).update(NewUserName="demo-iam-creator")
iam.User(reader.name).update(NewUserName="demo-iam-getter")
users = list(iam.users.all())
writer = next(user for user in users if user.user_id == writer.user_id)
reader = next(user for user in users if user.user_id == reader.user_id)
print("renamed", writer.name, reader.name)
bucket = "arn:aws:s3:::demo-iam-bucket/*"
read_write = create_policy("demo-iam-read-write-policy", "Grants rights to create and get "
                           "an object in the demo bucket.", ["s3:PutObject", "s3:GetObject"],
                           bucket)
read = create_policy("demo-iam-read-policy", "Grants rights to get an object from the demo "
                     "bucket.", "s3:GetObject", bucket)
iam.User(writer.name).attach_policy(PolicyArn=read_write.arn)
iam.User(reader.name).attach_policy(PolicyArn=read.arn)
writer_key = iam.User(writer.name).create_access_key_pair()
reader_key = iam.User(reader.name).create_access_key_pair()
print("current", iam.CurrentUser().user_name)
print("keys", len(list(iam.User(writer.name).access_keys.all())))
print("last used", iam.meta.client.get_access_key_last_used(
    AccessKeyId=writer_key.id)["UserName"])
key = iam.User(writer.name).AccessKey(writer_key.id)
key.deactivate()
key.activate()
for user, key, attached in ((reader, reader_key, read), (writer, writer_key, read_write)):
    iam.AccessKey(user.name, key.id).delete()
    iam.User(user.name).detach_policy(PolicyArn=attached.arn)
    iam.Policy(attached.arn).delete()
    iam.User(user.name).delete()

# scenario_create_user_assume_role: setup, assume the role, teardown
user = iam.create_user(UserName=f"demo-user-{uuid4()}")
user_key = user.create_access_key_pair()
role = iam.create_role(RoleName=f"demo-role-{uuid4()}", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": user.arn},
                                            "Action": "sts:AssumeRole"}]}))
policy = iam.create_policy(PolicyName=f"demo-policy-{uuid4()}", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets",
                                            "Resource": "arn:aws:s3:::*"}]}))
role.attach_policy(PolicyArn=policy.arn)
user.create_policy(PolicyName=f"demo-user-policy-{uuid4()}", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                            "Resource": role.arn}]}))
sts_client = boto3.client("sts", aws_access_key_id=user_key.id,
                          aws_secret_access_key=user_key.secret)
response = sts_client.assume_role(RoleArn=role.arn, RoleSessionName="AssumeRoleDemoSession")
temp_credentials = response["Credentials"]
print("assumed", response["AssumedRoleUser"]["Arn"].split("/")[-1])
for attached in role.attached_policies.all():
    role.detach_policy(PolicyArn=attached.arn)
    attached.delete()
role.delete()
for user_pol in user.policies.all():
    user_pol.delete()
for key in user.access_keys.all():
    key.delete()
user.delete()
print("users", [u.name for u in iam.users.all()])
"""


def test_aws_sdk_python_iam_examples_run_unchanged(endpoint: Endpoint, tmp_path: Path) -> None:
    """AWS's code examples for IAM with the SDK for Python (Boto3) ("Basic examples for IAM
    using AWS SDKs": roles, policies and versions, users and access keys, and the getting
    started scenario "Create an IAM user and assume a role with AWS STS") make their calls
    unchanged against the server, pointed at it by AWS_ENDPOINT_URL alone, the AWS managed
    AmazonS3ReadOnlyAccess they attach included: every call authorized and audited once,
    with its caller, address and request ID."""
    svc, root = endpoint.service, endpoint.root
    # the role demo lists the account's roles and reads the first one's inline policies
    svc.create_role(root, "existing-role", TRUST)
    script = tmp_path / "examples.py"
    script.write_text(AWS_EXAMPLES_SCRIPT, encoding="utf-8")
    env = client_env(endpoint, tmp_path, endpoint_in_env=True)
    before = len(audit_events(endpoint))
    run = subprocess.run([sys.executable, str(script)], env=env, text=True,
                         capture_output=True, timeout=180)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "trust 2", "attached ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess']",
        "local ['demo-iam-policy']", "version v2 ['s3:PutObject']",
        "rolled back v1 ['s3:ListObjects']", "renamed demo-iam-creator demo-iam-getter",
        "current admin", "keys 1", "last used demo-iam-creator", "assumed AssumeRoleDemoSession",
        "users ['admin']"]
    events = audit_events(endpoint)[before:]
    names = [e["eventName"] for e in events]
    for expected in ("ListRoles", "ListRolePolicies", "CreateRole", "AttachRolePolicy",
                     "ListAttachedRolePolicies", "DetachRolePolicy", "DeleteRole",
                     "CreatePolicy", "ListPolicies", "CreatePolicyVersion", "GetPolicyVersion",
                     "ListPolicyVersions", "SetDefaultPolicyVersion", "DeletePolicyVersion",
                     "DeletePolicy", "CreateUser", "UpdateUser", "ListUsers",
                     "AttachUserPolicy", "CreateAccessKey", "GetUser", "ListAccessKeys",
                     "GetAccessKeyLastUsed", "UpdateAccessKey", "DeleteAccessKey",
                     "DetachUserPolicy", "DeleteUser", "PutUserPolicy", "AssumeRole",
                     "ListUserPolicies", "DeleteUserPolicy"):
        assert expected in names, expected
    assert all(e.get("errorCode") is None for e in events), \
        [(e["eventName"], e.get("errorCode")) for e in events if e.get("errorCode")]
    assert all(e["sourceIPAddress"] == "127.0.0.1" and "Boto3" in e["userAgent"]
               and e.get("requestID") for e in events)
    assume = next(e for e in events if e["eventName"] == "AssumeRole")
    assert assume["userIdentity"]["userName"].startswith("demo-user-")
    others = [e for e in events if e is not assume]
    assert all(e["userIdentity"]["accessKeyId"] == endpoint.key_id for e in others)
    assert len({e["requestID"] for e in events}) == len(events)  # each call once


def test_cli_and_server_write_one_store_at_once(endpoint: Endpoint) -> None:
    """The CLI (other processes) and the server share the store's file lock: users created
    at the same time by both all exist, each create audited once (issue 17)."""
    from concurrent.futures import ThreadPoolExecutor

    db = str(endpoint.service.store.path)
    env = {**os.environ, "IAMTUI_DB": db}
    iam = client(endpoint)
    processes = [subprocess.Popen([sys.executable, "-m", "iamtui", "create-user", "--user-name",
                                   f"cli{n}", "--as-root", "--root-password-stdin"], env=env,
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for n in range(3)]
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda n: iam.create_user(UserName=f"http{n}"), range(3)))
    for process in processes:
        _, err = process.communicate(ROOT_PASSWORD + "\n", timeout=120)
        assert process.returncode == 0, err
    names = {u["UserName"] for u in iam.list_users()["Users"]}
    assert names == {"admin", *(f"cli{n}" for n in range(3)), *(f"http{n}" for n in range(3))}
    created = [e["requestParameters"]["userName"] for e in audit_events(endpoint)
               if e["eventName"] == "CreateUser"]
    assert sorted(created) == sorted(names)  # admin's by the fixture, the rest here


def test_narrow_user_is_refused_with_access_denied(endpoint: Endpoint) -> None:
    """IAM User Guide, "Policy evaluation logic": no allow is an implicit deny; the answer is
    AccessDenied (403), and the refusal is audited."""
    svc, root = endpoint.service, endpoint.root
    svc.create_user(root, "narrow")
    key = svc.create_access_key(root, "narrow")
    iam = client(endpoint, key_id=key.key.access_key_id, secret=key.secret_access_key)
    with pytest.raises(iam.exceptions.ClientError) as caught:
        iam.list_users()
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    event = audit_events(endpoint)[-1]
    assert event["eventName"] == "ListUsers" and event["errorCode"] == "AccessDenied"


def test_narrow_user_is_refused_as_the_iamtui_cli_refuses_it(endpoint: Endpoint,
                                                             tmp_path: Path) -> None:
    """IAM User Guide, "Troubleshoot access denied error messages": the AWS CLI against the
    server prints the very AccessDenied line iamtui's own CLI prints for the same key and
    call (the decision's wording, the action and the resource)."""
    svc, root = endpoint.service, endpoint.root
    svc.create_user(root, "narrow2")
    svc.create_role(root, "r", TRUST)
    key = svc.create_access_key(root, "narrow2")
    base = {**os.environ, "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    aws = subprocess.run(
        [sys.executable, "-m", "awscli", "iam", "get-role", "--role-name", "r",
         "--endpoint-url", endpoint.url],
        env={**base, "AWS_ACCESS_KEY_ID": key.key.access_key_id, "AWS_MAX_ATTEMPTS": "1",
             "AWS_SECRET_ACCESS_KEY": key.secret_access_key, "AWS_DEFAULT_REGION": "us-east-1"},
        text=True, capture_output=True, timeout=120)
    ours = subprocess.run(
        [sys.executable, "-m", "iamtui", "get-role", "--role-name", "r"],
        env={**base, "IAMTUI_DB": str(endpoint.service.store.path),
             "IAMTUI_ACCESS_KEY_ID": key.key.access_key_id,
             "IAMTUI_SECRET_ACCESS_KEY": key.secret_access_key},
        text=True, capture_output=True, timeout=120)
    assert (aws.returncode, ours.returncode) == (255, 254)  # AWS CLI v1's and v2's codes

    def refusal(err: str) -> str:
        line = next(x for x in err.splitlines() if x.startswith("An error occurred"))
        return line.split(" Encoded authorization failure message:")[0]

    expected = (f"An error occurred (AccessDenied) when calling the GetRole operation: User: "
                f"arn:aws:iam::{ACCOUNT_ID}:user/narrow2 is not authorized to perform: "
                f"iam:GetRole on resource: arn:aws:iam::{ACCOUNT_ID}:role/r")
    assert refusal(aws.stderr).startswith(expected), aws.stderr
    assert refusal(aws.stderr) == refusal(ours.stderr)


def test_source_ip_reaches_the_engine(endpoint: Endpoint) -> None:
    """IAM User Guide, "AWS global condition context keys": aws:SourceIp is the requester's
    address and aws:SecureTransport whether the request came over TLS."""
    svc, root = endpoint.service, endpoint.root
    svc.create_user(root, "fenced")
    svc.put_user_policy(root, "fenced", "p", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}},
        {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}))
    key = svc.create_access_key(root, "fenced")
    iam = client(endpoint, key_id=key.key.access_key_id, secret=key.secret_access_key)
    assert iam.list_users()["Users"]
    with pytest.raises(iam.exceptions.ClientError) as caught:
        iam.get_user(UserName="fenced")
    assert caught.value.response["Error"]["Code"] == "AccessDenied"


def test_tls_with_a_self_signed_localhost_certificate(tmp_path: Path) -> None:
    """`--tls`: HTTPS with a certificate for localhost that clients trust by name (boto3's
    verify=), and aws:SecureTransport true in the engine's context (IAM User Guide, "AWS
    global condition context keys")."""
    from iamtui.serve.tls import server_context

    svc = IamService.initialize(tmp_path / "s.json", root_password=ROOT_PASSWORD,
                                account_id=ACCOUNT_ID, keys_dir=tmp_path / "keys")
    root = svc.root_principal()
    svc.enable_serving(root)
    svc.create_user(root, "tls")
    svc.put_user_policy(root, "tls", "p", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}))
    key = svc.create_access_key(root, "tls")
    context, ca_bundle = server_context(tmp_path / "tls")
    assert server_context(tmp_path / "tls")[1].read_bytes() == ca_bundle.read_bytes()  # kept
    server = Server(("127.0.0.1", 0), Served(svc, secure=True), context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        iam = boto3.session.Session(
            aws_access_key_id=key.key.access_key_id,
            aws_secret_access_key=key.secret_access_key, region_name="us-east-1",
        ).client("iam", endpoint_url=f"https://localhost:{server.server_address[1]}",
                 verify=str(ca_bundle), config=Config(retries={"total_max_attempts": 1}))
        assert iam.get_user(UserName="tls")["User"]["UserName"] == "tls"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        svc.close()


# ------------------------------------------------------------------ signatures refused


def _signed(endpoint: Endpoint, body: dict[str, str], service: str = "iam") -> Any:
    """A request signed by botocore's own SigV4 signer."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    data = "&".join(f"{k}={quote(v, safe='')}" for k, v in body.items())
    request = AWSRequest("POST", endpoint.url + "/", data=data, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(endpoint.key_id, endpoint.secret), service,
              "eu-west-3").add_auth(request)  # any region is taken
    return request


def _send(endpoint: Endpoint, request: Any, body: bytes | None = None) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    data = body if body is not None else request.body.encode() \
        if isinstance(request.body, str) else request.body
    req = urllib.request.Request(endpoint.url + "/", data=data, method="POST",
                                 headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(req, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


LIST = {"Action": "ListUsers", "Version": "2010-05-08"}


def test_signed_request_accepted_then_tampered_body_refused(endpoint: Endpoint) -> None:
    """IAM User Guide, "Create a signed AWS API request": the payload hash is part of the
    canonical request, so a body changed after signing fails with SignatureDoesNotMatch."""
    request = _signed(endpoint, LIST)
    assert _send(endpoint, request)[0] == 200
    request = _signed(endpoint, {**LIST, "PathPrefix": "/a/"})
    status, text = _send(endpoint, request, b"Action=ListUsers&Version=2010-05-08&PathPrefix=/b/")
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in text


def test_scope_must_name_the_operations_service(endpoint: Endpoint) -> None:
    """IAM User Guide, "Elements of an AWS API request signature": the credential scope names
    the service; an IAM action signed for STS is refused."""
    status, text = _send(endpoint, _signed(endpoint, LIST, service="sts"))
    assert status == 403 and "scoped to correct service: 'iam'" in text


def test_clock_sixteen_minutes_off_is_refused(endpoint: Endpoint) -> None:
    """IAM User Guide, "Troubleshoot signed requests": a request signed more than 15 minutes
    from the server's time is refused ("Signature expired")."""
    for minutes in (-16, 16):
        request = _signed(endpoint, LIST)  # the server's clock is the one 16 minutes off
        endpoint.served.clock = lambda m=minutes: datetime.now(UTC) + timedelta(minutes=m)
        status, text = _send(endpoint, request)
        assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in text
        assert "Signature expired" in text or "not yet current" in text


def test_unknown_key_unsigned_payload_and_sigv4a_refused(endpoint: Endpoint) -> None:
    """IAM User Guide, "Signature Version 4": an unknown key is InvalidClientTokenId; the
    server hashes the body itself, so UNSIGNED-PAYLOAD is refused; SigV4a is not taken."""
    request = _signed(endpoint, LIST)
    request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    assert "<Code>SignatureDoesNotMatch</Code>" in _send(endpoint, request)[1]
    request = _signed(endpoint, LIST)
    auth = request.headers["Authorization"]
    request.headers.replace_header("Authorization", auth.replace(endpoint.key_id,
                                                                 "AKIAAAAAAAAAAAAAAAAA"))
    assert "<Code>InvalidClientTokenId</Code>" in _send(endpoint, request)[1]
    request.headers.replace_header("Authorization", "AWS4-ECDSA-P256-SHA256 Credential=x")
    assert "SigV4a" in _send(endpoint, request)[1]
    assert "<Code>MissingAuthenticationToken</Code>" in _send(
        endpoint, type("R", (), {"headers": {}, "body": b"Action=ListUsers"})())[1]


def test_host_must_be_signed_and_the_scope_dated_as_x_amz_date(endpoint: Endpoint) -> None:
    """IAM User Guide, "Elements of an AWS API request signature": the host header is always
    signed, and the credential scope's date is X-Amz-Date's day."""
    request = _signed(endpoint, LIST)
    auth = request.headers["Authorization"]
    signed = auth.split("SignedHeaders=")[1].split(",")[0]
    request.headers.replace_header("Authorization", auth.replace(
        f"SignedHeaders={signed}", "SignedHeaders=" + ";".join(
            h for h in signed.split(";") if h != "host")))
    status, text = _send(endpoint, request)
    assert status == 403 and "&apos;Host&apos; must be a signed header" in text.replace(
        "'", "&apos;")
    request = _signed(endpoint, LIST)
    day = request.headers["X-Amz-Date"][:8]
    other = (datetime.strptime(day, "%Y%m%d") - timedelta(days=1)).strftime("%Y%m%d")
    request.headers.replace_header("Authorization", request.headers["Authorization"].replace(
        f"/{day}/", f"/{other}/"))
    status, text = _send(endpoint, request)
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in text
    assert f"{other} is not the date of X-Amz-Date" in text


def test_a_silent_client_holds_no_slot_past_the_time_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's limits on threads and time (issue 17): with every request slot taken by
    clients that send nothing, a real request waits for a slot, and gets one once the
    silent clients' time is up (here 1 second and 2 slots instead of 30 and 16)."""
    import socket
    import time

    from iamtui.serve import server as server_module

    monkeypatch.setattr(server_module, "REQUEST_TIMEOUT", 1)
    monkeypatch.setattr(server_module, "MAX_THREADS", 2)
    svc = IamService.initialize(tmp_path / "s.json", root_password=ROOT_PASSWORD,
                                account_id=ACCOUNT_ID, keys_dir=tmp_path / "keys")
    root = svc.root_principal()
    svc.enable_serving(root)
    svc.create_user(root, "admin")
    svc.attach_policy(root, "user", "admin", ADMIN)
    key = svc.create_access_key(root, "admin")
    server = Server(("127.0.0.1", 0), Served(svc, secure=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    silent = [socket.create_connection(server.server_address[:2]) for _ in range(2)]
    opened = time.monotonic()
    try:
        url = "http://{}:{}".format(*server.server_address[:2])
        iam = boto3.session.Session(
            aws_access_key_id=key.key.access_key_id,
            aws_secret_access_key=key.secret_access_key, region_name="us-east-1",
        ).client("iam", endpoint_url=url, config=Config(retries={"total_max_attempts": 1},
                                                         read_timeout=30))
        assert iam.list_users()["Users"][0]["UserName"] == "admin"
        assert time.monotonic() - opened >= 0.9  # it waited for a silent client's slot
        for sock in silent:  # each silent client was cut off at its time limit
            sock.settimeout(10)
            assert sock.recv(1) == b""
    finally:
        for sock in silent:
            sock.close()
        server.shutdown()
        server.server_close()
        thread.join(10)
        svc.close()


def test_serving_beyond_this_machine_needs_tls() -> None:
    """A --host that is not a loopback address is refused without --tls: signed requests
    and session credentials would cross the network in clear (issue 17)."""
    refused = subprocess.run([sys.executable, "-m", "iamtui", "serve", "--host", "0.0.0.0"],
                             text=True, capture_output=True, timeout=60)
    assert refused.returncode == 252
    assert "--host 0.0.0.0 is not a loopback address: serving beyond this machine needs " \
        "--tls" in refused.stderr


def test_body_larger_than_any_request_is_refused_unread(endpoint: Endpoint) -> None:
    """A Content-Length beyond the largest IAM request (a 131,072-character policy,
    URL-encoded, with a margin) is answered 413 before anything is read."""
    import http.client

    from iamtui.serve.server import MAX_BODY

    host, port = endpoint.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("POST", "/")
    connection.putheader("Content-Length", str(MAX_BODY + 1))
    connection.endheaders()
    answer = connection.getresponse()
    assert answer.status == 413
    assert b"<Code>RequestEntityTooLarge</Code>" in answer.read()
    connection.close()


# ------------------------------------------------------- refusals before the caller is known


def _request_id(text: str) -> str:
    return text.split("<RequestId>")[1].split("</RequestId>")[0]


def test_requests_refused_at_their_signature_are_audited(endpoint: Endpoint) -> None:
    """CloudTrail User Guide, "CloudTrail userIdentity element" (type Unknown, accessKeyId:
    "the access key ID that was used to sign the request") and "CloudTrail record contents"
    (errorCode, sourceIPAddress, userAgent, requestID): a request refused at its signature is
    in the trail, with the key it claimed, never its signature, the secret or the session
    token; the audit log and the Server screen's live view list it as any other call."""
    before = len(audit_events(endpoint))
    answers: list[tuple[str, str, str | None]] = []  # (code, request ID, key claimed)

    request = _signed(endpoint, {**LIST, "PathPrefix": "/a/"})  # tampered after signing
    signature = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    status, text = _send(endpoint, request, b"Action=ListUsers&Version=2010-05-08&PathPrefix=/b/")
    assert status == 403
    answers.append(("SignatureDoesNotMatch", _request_id(text), endpoint.key_id))
    request = _signed(endpoint, LIST)
    request.headers.replace_header("Authorization", request.headers["Authorization"].replace(
        endpoint.key_id, "AKIAAAAAAAAAAAAAAAAA"))
    answers.append(("InvalidClientTokenId", _request_id(_send(endpoint, request)[1]),
                    "AKIAAAAAAAAAAAAAAAAA"))
    request = _signed(endpoint, LIST)
    request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    request.headers["X-Amz-Security-Token"] = "a-session-token-never-to-be-kept"
    answers.append(("SignatureDoesNotMatch", _request_id(_send(endpoint, request)[1]),
                    endpoint.key_id))
    request.headers.replace_header("Authorization", "AWS4-ECDSA-P256-SHA256 Credential=x")
    answers.append(("IncompleteSignature", _request_id(_send(endpoint, request)[1]), None))
    unsigned = type("R", (), {"headers": {"User-Agent": "curl/8"},
                              "body": b"Action=GetUser&Version=2010-05-08"})()
    answers.append(("MissingAuthenticationToken", _request_id(_send(endpoint, unsigned)[1]),
                    None))

    events = audit_events(endpoint)[before:]
    assert [(e["errorCode"], e["requestID"], e["userIdentity"].get("accessKeyId"))
            for e in events] == answers
    for event in events:
        assert event["userIdentity"]["type"] == "Unknown"
        assert "arn" not in event["userIdentity"]
        assert event["sourceIPAddress"] == "127.0.0.1"
        assert event["eventSource"] == "iam.amazonaws.com"
        assert event["recipientAccountId"] == ACCOUNT_ID
        assert event["requestParameters"] is None  # an unauthenticated body is not kept
        text = json.dumps(event)
        for secret in (signature, endpoint.secret, "a-session-token-never-to-be-kept"):
            assert secret not in text
    assert [e["eventName"] for e in events] == ["ListUsers"] * 4 + ["GetUser"]
    assert events[-1]["userAgent"] == "curl/8"
    # the audit log (LookupEvents) and the Server screen's live view read them
    root = endpoint.root
    looked_up = {e["EventId"] for e in endpoint.service.lookup_events(root, max_results=50)}
    assert {e["eventID"] for e in events} <= looked_up
    live = endpoint.service.calls_over_http(root, max_results=50)
    assert {e["requestID"] for e in events} <= {e.get("requestID") for e in live}
    from iamtui.screens.server import call_row

    assert call_row(events[0]).cells[2:5] == ("SignatureDoesNotMatch", "Unknown", "127.0.0.1")


def test_requests_refused_before_they_are_read_are_audited(endpoint: Endpoint) -> None:
    """Requests the server answers without running an operation are in the trail too: a body
    larger than any request, a body that is not form data, no Action, an Action neither IAM
    nor STS has, a wrong Version (IAM API Reference, "Common errors": MalformedQueryString,
    MissingAction, InvalidAction, InvalidParameterValue)."""
    import http.client

    from iamtui.serve.server import MAX_BODY

    before = len(audit_events(endpoint))
    host, port = endpoint.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("POST", "/")
    connection.putheader("Content-Length", str(MAX_BODY + 1))
    connection.endheaders()
    assert connection.getresponse().status == 413
    connection.close()
    for body in (b"\xff\xfe", b"Version=2010-05-08", b"Action=Nothing&Version=2010-05-08",
                 b"Action=ListUsers&Version=1999-01-01", b"Action=" + b"x" * 500):
        unsigned = type("R", (), {"headers": {}, "body": body})()
        assert _send(endpoint, unsigned)[0] >= 400
    # the same requests signed: refused after the caller is known, named by the caller
    for body in ({"Version": "2010-05-08"}, {"Action": "Nothing", "Version": "2010-05-08"},
                 {"Action": "ListUsers", "Version": "1999-01-01"}):
        assert _send(endpoint, _signed(endpoint, body))[0] == 400
    events = audit_events(endpoint)[before:]
    assert [(e["eventName"], e["errorCode"], e["userIdentity"]["type"]) for e in events] == [
        ("Unknown", "RequestEntityTooLarge", "Unknown"),
        ("Unknown", "MalformedQueryString", "Unknown"),
        ("Unknown", "MissingAuthenticationToken", "Unknown"),
        ("Nothing", "MissingAuthenticationToken", "Unknown"),
        ("ListUsers", "MissingAuthenticationToken", "Unknown"),
        ("Unknown", "MissingAuthenticationToken", "Unknown"),  # 500 x's: never kept whole
        ("Unknown", "MissingAction", "IAMUser"),
        ("Nothing", "InvalidAction", "IAMUser"),
        ("ListUsers", "InvalidParameterValue", "IAMUser")]
    assert all(e["sourceIPAddress"] == "127.0.0.1" and e["requestID"] for e in events)


def test_a_flood_of_bad_signatures_is_recorded_within_bounds(endpoint: Endpoint) -> None:
    """Someone sending bad signatures in a loop cannot grow the store and the log without
    bound: per minute at most PER_SOURCE records per address and TOTAL in all are written;
    the rest are counted, and one summary record (an AwsServiceEvent, as CloudTrail files
    what the service itself records) says how many were left out and from where."""
    from iamtui.serve import refusals

    served, now = endpoint.served, datetime.now(UTC)
    served.clock = lambda: now
    before = len(audit_events(endpoint))
    body = b"Action=ListUsers&Version=2010-05-08"
    bad = {"authorization": "AWS4-HMAC-SHA256 Credential=AKIAAAAAAAAAAAAAAAAA/x, "
           "SignedHeaders=host, Signature=" + "0" * 64, "host": "localhost"}
    for n in range(50):
        status, _ = served.handle("POST", "/", bad, body, "192.0.2.1", f"flood-{n}")
        assert status == 400  # IncompleteSignature
    # another address is still heard while the first is held back
    served.handle("POST", "/", bad, body, "192.0.2.2", "other-0")
    events = audit_events(endpoint)[before:]
    assert len(events) == refusals.PER_SOURCE + 1
    assert [e["requestID"] for e in events][-1] == "other-0"
    # a legitimate caller's calls are never held back
    assert client(endpoint).list_users()["Users"]
    now += refusals.WINDOW  # the next minute: the first request after it writes the summary
    served.handle("POST", "/", bad, body, "192.0.2.1", "flood-next")
    events = audit_events(endpoint)[before + refusals.PER_SOURCE + 1:]
    summary = next(e for e in events if e["eventName"] == "UnauthenticatedRequestsNotRecorded")
    assert summary["eventType"] == "AwsServiceEvent"
    assert summary["sourceIPAddress"] == "AWS Internal"
    assert summary["additionalEventData"]["suppressedRequests"] == 50 - refusals.PER_SOURCE
    assert summary["additionalEventData"]["bySourceIPAddress"] == {
        "192.0.2.1": 50 - refusals.PER_SOURCE}
    assert events[-1]["requestID"] == "flood-next"  # its own window: recorded again
    # what is left out when the server stops is summarized then
    for n in range(refusals.PER_SOURCE + 3):
        served.handle("POST", "/", bad, body, "192.0.2.3", f"late-{n}")
    count = len(audit_events(endpoint))
    served.close()
    last = audit_events(endpoint)[count:]
    assert [e["additionalEventData"]["bySourceIPAddress"] for e in last] == [{"192.0.2.3": 3}]


def test_the_refusal_limit_holds_for_any_traffic() -> None:
    """Whatever arrives (any addresses, any times), each window records at most PER_SOURCE
    refusals per address and TOTAL in all, and every refusal is either recorded or counted
    in exactly one summary."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from iamtui.serve.refusals import RefusalLimiter

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", "e"]),
                              st.integers(0, 30)), max_size=300))
    def check(traffic: list[tuple[str, int]]) -> None:
        limiter = RefusalLimiter(per_source=3, total=7, window=timedelta(seconds=60),
                                 max_sources=3)
        start, seconds = datetime(2026, 1, 1, tzinfo=UTC), 0
        recorded: dict[datetime, Any] = {}
        counted = 0
        window: datetime | None = None
        for source, gap in traffic:
            seconds += gap
            now = start + timedelta(seconds=seconds)
            admitted, summary = limiter.admit(source, now)
            if summary is not None:
                counted += summary.suppressed
                assert len(summary.by_source) <= 4
            if window is None or now - window >= timedelta(seconds=60):
                window = now
            if admitted:
                per = recorded.setdefault(window, {})
                per[source] = per.get(source, 0) + 1
        final = limiter.due(start + timedelta(seconds=seconds), stopping=True)
        counted += final.suppressed if final else 0
        assert sum(sum(p.values()) for p in recorded.values()) + counted == len(traffic)
        for per in recorded.values():
            assert sum(per.values()) <= 7 and all(n <= 3 for n in per.values())

    check()


def test_key_from_before_serving_is_refused_with_rotate_advice(tmp_path: Path) -> None:
    """A store that never served keeps no recoverable secret: a key created before serving
    was enabled cannot sign requests, and the answer says to rotate it (issue 17)."""
    svc = IamService.initialize(tmp_path / "s.json", root_password=ROOT_PASSWORD,
                                account_id=ACCOUNT_ID, keys_dir=tmp_path / "keys")
    try:
        root = svc.root_principal()
        svc.create_user(root, "old")
        old = svc.create_access_key(root, "old")
        assert not list((tmp_path / "keys").glob("*.serve.key"))
        text = (tmp_path / "s.json").read_text()
        assert "sealed_secrets" not in text or old.key.access_key_id not in text.split(
            "sealed_secrets")[1]
        svc.enable_serving(root)
        assert list((tmp_path / "keys").glob("*.serve.key"))
        with pytest.raises(Exception, match="rotate it"):
            svc.signing_secret(old.key.access_key_id)
        new = svc.create_access_key(root, "old")
        assert svc.signing_secret(new.key.access_key_id) == new.secret_access_key
        assert new.secret_access_key not in (tmp_path / "s.json").read_text()
    finally:
        svc.close()


def test_sealed_secrets_are_bound_to_their_key_id(endpoint: Endpoint) -> None:
    """AES-256-GCM with the key ID as associated data: a sealed secret moved to another key's
    record opens for neither (NIST SP 800-38D, authenticated additional data)."""
    from dataclasses import replace as swap

    from iamtui.service.serving import SealedSecretUnreadable
    from iamtui.service.tables import SEALED_SECRETS

    svc, root = endpoint.service, endpoint.root
    other = svc.create_access_key(root, "admin")
    theirs = SEALED_SECRETS.get(svc.store.snapshot(), other.key.access_key_id)
    assert theirs is not None and other.secret_access_key not in theirs.ciphertext
    with svc.store.transaction() as tx:
        SEALED_SECRETS.put(tx, swap(theirs, access_key_id=endpoint.key_id))
    with pytest.raises(SealedSecretUnreadable):
        svc.signing_secret(endpoint.key_id)
    svc.delete_access_key(root, other.key.access_key_id, "admin")
    assert SEALED_SECRETS.get(svc.store.snapshot(), other.key.access_key_id) is None
    svc.delete_user(root, "admin", cascade=True)  # its keys' secrets go with them
    assert SEALED_SECRETS.get(svc.store.snapshot(), endpoint.key_id) is None


def test_a_lost_serving_key_is_an_error_never_remade(endpoint: Endpoint) -> None:
    """Like the audit and MFA keys (README, "Where the MFA seed key lives"): a missing
    serving key is KeyFileMissing, naming the file and the way out, and is not made again,
    which would hide that every sealed secret became unreadable."""
    from iamtui.service.keyfiles import KeyFileMissing, key_path

    svc = endpoint.service
    path = key_path(svc.keys_dir, svc.store.snapshot().meta["store_id"], "serve")
    path.unlink()
    with pytest.raises(KeyFileMissing, match="rotate every access key"):
        svc.signing_secret(endpoint.key_id)
    with pytest.raises(KeyFileMissing):
        svc.create_access_key(endpoint.root, "admin")
    assert not path.exists()


def test_only_root_enables_serving(endpoint: Endpoint) -> None:
    """Sealing secrets changes what the store keeps: the root user decides."""
    from iamtui.errors import AccessDenied

    user = endpoint.service.authenticate_access_key(endpoint.key_id, endpoint.secret)
    with pytest.raises(AccessDenied):
        endpoint.service.enable_serving(user)


def test_query_model_matches_botocore() -> None:
    """iamtui/data/aws_query.json is botocore's IAM and STS models without documentation."""
    from aws_model import dump_query

    path = Path(protocol.__file__).parent.parent / "data" / "aws_query.json"
    assert path.read_text(encoding="utf-8") == dump_query()


# ------------------------------------------------------------------------------- AWS CLI


def test_aws_cli_against_the_server(endpoint: Endpoint, tmp_path: Path) -> None:
    """The AWS CLI (awscli package) with --endpoint-url: create and get a user, and a
    modeled error exits 255 with AWS's message (AWS CLI User Guide, "Return codes")."""
    env = client_env(endpoint, tmp_path)

    def aws(*words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "awscli", *words, "--endpoint-url",
                               endpoint.url, "--output", "json"], env=env, text=True,
                              capture_output=True, timeout=120)

    made = aws("iam", "create-user", "--user-name", "dave")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["User"]["UserName"] == "dave"
    missing = aws("iam", "get-user", "--user-name", "nobody")
    assert missing.returncode == 255
    assert "An error occurred (NoSuchEntity) when calling the GetUser operation" in \
        missing.stderr
    created, refused = audit_events(endpoint)[-2:]
    assert created["eventName"] == "CreateUser" and "aws-cli" in created["userAgent"]
    assert (refused["eventName"], refused["errorCode"]) == ("GetUser", "NoSuchEntity")
    assert refused["requestParameters"] == {"userName": "nobody"} and refused["readOnly"]
    paged = aws("iam", "list-users", "--page-size", "1")  # the CLI's paginator, page by page
    assert paged.returncode == 0, paged.stderr
    assert [u["UserName"] for u in json.loads(paged.stdout)["Users"]] == ["admin", "dave"]


def _init_store(tmp_path: Path) -> dict[str, str]:
    """`iamtui init` of a store at tmp_path/s.json: the environment that names it."""
    env = {**os.environ, "IAMTUI_DB": str(tmp_path / "s.json")}
    init = subprocess.run([sys.executable, "-m", "iamtui", "init", "--account-id", ACCOUNT_ID,
                           "--root-password-stdin"], input=ROOT_PASSWORD + "\n", env=env,
                          text=True, capture_output=True, timeout=60)
    assert init.returncode == 0, init.stderr
    return env


def _serve(env: dict[str, str]) -> subprocess.Popen[str]:
    """`iamtui serve --port 0 --as-root` in a process of its own, the password given."""
    server = subprocess.Popen([sys.executable, "-m", "iamtui", "serve", "--port", "0",
                               "--as-root", "--root-password-stdin"], env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert server.stdin is not None
    server.stdin.write(ROOT_PASSWORD + "\n")
    server.stdin.close()
    return server


def test_iamtui_serve_command_enables_serving_and_prints_the_lines(tmp_path: Path) -> None:
    """`iamtui serve` (as root, the first time) enables serving, prints the endpoint and the
    lines to paste, and answers a client signed with a key created afterwards."""
    db = tmp_path / "s.json"
    server = _serve(_init_store(tmp_path))
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith("iamtui serves IAM and STS at http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1].strip()
        lines = [server.stdout.readline() for _ in range(10)]
        assert any(f'iam = "{url}"' in line for line in lines)
        assert any(f"--endpoint-url {url}" in line for line in lines)
        svc = IamService.open(db)
        try:
            root = svc.root_principal()
            svc.create_user(root, "ops")
            svc.attach_policy(root, "user", "ops", ADMIN)
            key = svc.create_access_key(root, "ops")
        finally:
            svc.close()
        sts = boto3.session.Session(
            aws_access_key_id=key.key.access_key_id,
            aws_secret_access_key=key.secret_access_key, region_name="us-east-1",
        ).client("sts", endpoint_url=url, config=Config(retries={"total_max_attempts": 1}))
        assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/ops"
    finally:
        server.terminate()
        server.wait(10)


def test_iamtui_serve_announces_itself_beside_the_store(tmp_path: Path) -> None:
    """The status file the TUI's Server screen reads: written when the server listens (0600,
    its process, address and start time, nothing secret), a second server on the store
    refused while it runs, and removed when `kill` stops it."""
    import stat

    from iamtui.service.serving import status_path

    env = _init_store(tmp_path)
    path = status_path(tmp_path / "s.json")
    server = _serve(env)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().rsplit(" ", 1)[1].strip()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        status = json.loads(path.read_text())
        assert set(status) == {"pid", "host", "port", "tls", "startedAt", "caBundle"}
        assert (status["pid"], f"http://{status['host']}:{status['port']}", status["tls"]) == \
            (server.pid, url, False)
        second = _serve(env)
        try:
            assert second.wait(60) == 254 and second.stderr is not None
            err = second.stderr.read()
        finally:
            second.kill()  # a failed check must not leave it serving once the first stops
            for stream in (second.stdout, second.stderr):
                if stream is not None:
                    stream.close()
        assert "(ServerAlreadyRunning)" in err and url in err
        assert json.loads(path.read_text())["pid"] == server.pid  # still the first one's
    finally:
        server.terminate()
        assert server.wait(10) == 0
    assert not path.exists()


def test_a_port_in_use_is_a_clean_error(tmp_path: Path) -> None:
    """An address that cannot be listened on ends as an AWS-style error, not a traceback
    (PITFALLS: every corner ends as a clean error)."""
    import socket

    env = _init_store(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run([sys.executable, "-m", "iamtui", "serve", "--port", str(port),
                                  "--as-root", "--root-password-stdin"], env=env, text=True,
                                 input=ROOT_PASSWORD + "\n", capture_output=True, timeout=60)
    assert refused.returncode == 254 and "Traceback" not in refused.stderr
    assert f"(InvalidInput) when calling the Serve operation: Cannot listen on 127.0.0.1:" \
        f"{port}: Address already in use." in refused.stderr


def test_ipv6_loopback_is_served_with_its_url_in_brackets(endpoint: Endpoint) -> None:
    """--host ::1: IPv6's loopback, its URL written as RFC 3986 writes an IPv6 host."""
    import socket

    from iamtui.serve.server import RunningServer

    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    other = IamService.open(endpoint.service.store.path)
    try:
        try:
            running = RunningServer(other, "::1", 0)
        except IamError as error:  # no IPv6 loopback on this machine
            pytest.skip(error.message)
        running.serve_in_thread()
        try:
            assert running.status.url.startswith("http://[::1]:")
            sts = boto3.session.Session(
                aws_access_key_id=endpoint.key_id, aws_secret_access_key=endpoint.secret,
                region_name="us-east-1").client(
                "sts", endpoint_url=running.status.url,
                config=Config(retries={"total_max_attempts": 1}))
            assert sts.get_caller_identity()["Arn"].endswith(":user/admin")
        finally:
            running.close()
    finally:
        other.close()


def test_the_status_file_is_read_only_when_private_and_well_formed(tmp_path: Path) -> None:
    """The status file names a process the TUI trusts as this store's server: one that
    group or others may write is ignored, as the store's own files are refused."""
    from iamtui.service.serving import ServerStatus, status_path

    svc = IamService.initialize(tmp_path / "s.json", root_password=ROOT_PASSWORD,
                                account_id=ACCOUNT_ID, keys_dir=tmp_path / "keys")
    try:
        mine = ServerStatus(os.getpid(), "127.0.0.1", 8787, False, datetime.now(UTC))
        svc.announce_server(mine)
        assert svc.server_status() == mine
        status_path(svc.store.path).chmod(0o644)
        assert svc.server_status() is None
        status_path(svc.store.path).chmod(0o600)
        status_path(svc.store.path).write_text("{not json")
        assert svc.server_status() is None
        svc.announce_server(mine)  # a broken file is no server: it is written over
        svc.withdraw_server(replace(mine, port=1))  # not this server's file: left alone
        assert svc.server_status() == mine
        svc.withdraw_server(mine)
        assert not status_path(svc.store.path).exists()
    finally:
        svc.close()


def test_status_file_parser_takes_any_bytes() -> None:
    """Whatever a status file holds (cut short, edited, another program's), reading it
    answers a status or None, never an exception; what is written reads back."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from iamtui.service.serving import ServerStatus

    @settings(max_examples=200, deadline=None)
    @given(st.one_of(st.binary(max_size=200), st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=30),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
            st.sampled_from(["pid", "host", "port", "tls", "startedAt", "caBundle", "x"]),
            inner, max_size=6), max_leaves=12).map(lambda v: json.dumps(v).encode())))
    def any_bytes(data: bytes) -> None:
        status = ServerStatus.from_json(data)
        assert status is None or status.pid > 0

    any_bytes()

    @settings(max_examples=100, deadline=None)
    @given(st.integers(1, 2**22), st.sampled_from(["127.0.0.1", "::1", "localhost"]),
           st.integers(1, 65535), st.booleans(),
           st.datetimes(timezones=st.just(UTC)), st.none() | st.text(min_size=1, max_size=40))
    def round_trip(pid: int, host: str, port: int, tls: bool, started: datetime,
                   ca: str | None) -> None:
        status = ServerStatus(pid, host, port, tls, started, ca)
        assert ServerStatus.from_json(status.to_json()) == status

    round_trip()


# ------------------------------------------------------------------------- the parser


def _strategy(shapes: dict[str, Any], name: str, depth: int = 0) -> Any:
    """Any input botocore could send for shape `name` (strings, numbers, booleans, lists,
    maps and structures; timestamps and blobs, which no served operation takes, left out)."""
    from hypothesis import strategies as st

    shape = shapes[name]
    kind = shape["type"]
    text = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
    if kind == "structure":
        members = {m: _strategy(shapes, r["shape"], depth + 1)
                   for m, r in shape.get("members", {}).items()
                   if shapes[r["shape"]]["type"] not in ("timestamp", "blob") and depth < 3}
        required = {m: members.pop(m) for m in shape.get("required", []) if m in members}
        # a structure with nothing in it sends nothing: on the wire, no item at all
        return st.fixed_dictionaries(required, optional=members).filter(
            lambda d: bool(d) or depth == 0)
    if kind == "list":
        return st.lists(_strategy(shapes, shape["member"]["shape"], depth + 1), max_size=3)
    if kind == "map":
        return st.dictionaries(text, _strategy(shapes, shape["value"]["shape"], depth + 1),
                               max_size=3)
    if kind in ("integer", "long"):
        return st.integers(-(2**31), 2**31 - 1)
    if kind == "boolean":
        return st.booleans()
    return text


@pytest.mark.parametrize(("service", "action"), [
    ("iam", "CreateUser"), ("iam", "SimulateCustomPolicy"), ("iam", "PutUserPolicy"),
    ("iam", "UpdateAssumeRolePolicy"), ("sts", "AssumeRole")])
def test_parser_reads_what_botocore_serializes(service: str, action: str) -> None:
    """AWS's query protocol as botocore writes it (lists as Name.member.N, maps as
    Name.entry.N.key/value, nested structures, empty lists, URL-encoded text) parses back
    into the very input botocore was given."""
    from botocore.model import ServiceModel
    from botocore.serialize import create_serializer
    from hypothesis import given, settings

    model = protocol.models()[service]
    op = ServiceModel(model, service).operation_model(action)
    serializer = create_serializer("query", include_validation=False)

    @settings(max_examples=60, deadline=None)
    @given(_strategy(model["shapes"], model["operations"][action]["input"]["shape"]))
    def round_trip(params: dict[str, Any]) -> None:
        body = serializer.serialize_to_request(params, op)["body"]
        form = {k: str(v) for k, v in body.items()}
        expected = {k: v for k, v in params.items()}
        assert protocol.parse_request(service, form) == (action, _without_empty(expected))

    round_trip()


def _without_empty(value: Any) -> Any:
    # botocore sends an empty list as "Name=" (so the parser reads []), an empty map not at all
    if isinstance(value, dict):
        return {k: _without_empty(v) for k, v in value.items() if v != {}}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


def test_web_identity_is_taken_unsigned_and_nothing_else_is(endpoint: Endpoint) -> None:
    """AssumeRoleWithWebIdentity's API reference: "Calling AssumeRoleWithWebIdentity does
    not require the use of AWS security credentials" — boto3 sends it unsigned, and the
    server answers it from its own store; an unsigned call to anything else is refused."""
    import time

    from botocore import UNSIGNED
    from oidc_helpers import GITHUB, github_claims, jwks, rsa_key

    svc, root = endpoint.service, endpoint.root
    provider = svc.create_open_id_connect_provider(root, GITHUB, ["sts.amazonaws.com"])
    svc.set_open_id_connect_provider_jwks(root, provider.arn, jwks(rsa_key()))
    svc.create_role(root, "deploy", json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider.arn},
        "Action": "sts:AssumeRoleWithWebIdentity"}]}))
    token = rsa_key().sign(github_claims(int(time.time())))
    unsigned = boto3.session.Session(region_name="us-east-1").client(
        "sts", endpoint_url=endpoint.url,
        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
    answer = unsigned.assume_role_with_web_identity(
        RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/deploy", RoleSessionName="ci",
        WebIdentityToken=token)
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert answer["AssumedRoleUser"]["Arn"].endswith(":assumed-role/deploy/ci")
    # no signed caller, yet the record has the connection's address and the request's ID
    event = audit_events(endpoint)[-1]
    assert event["eventName"] == "AssumeRoleWithWebIdentity"
    assert event["sourceIPAddress"] == "127.0.0.1" and "Boto3" in event["userAgent"]
    assert event["requestID"] == answer["ResponseMetadata"]["RequestId"]
    assert token not in json.dumps(event)
    with pytest.raises(unsigned.exceptions.ClientError) as refused:
        unsigned.get_caller_identity()
    assert refused.value.response["Error"]["Code"] in ("MissingAuthenticationToken",
                                                       "InvalidClientTokenId",
                                                       "IncompleteSignature",
                                                       "SignatureDoesNotMatch")
