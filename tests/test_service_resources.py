"""IamService resource-based policies (iamtui's own put-/get-/delete-/list-resource-policies).

The documents follow AWS's rules for resource-based policies (IAM User Guide, "IAM JSON
policy elements: Principal": required in resource-based policies), and a stored policy
takes part in evaluation as AWS describes ("Policy evaluation logic": a resource-based
policy can grant access by itself within an account).
"""

from __future__ import annotations

import json

import hypothesis.strategies as st
import pytest
from helpers import ACCOUNT_ID
from hypothesis import given, settings

from iamtui.errors import (
    AccessDenied,
    InvalidInput,
    MalformedPolicyDocument,
    NoSuchEntity,
    ValidationError,
)
from iamtui.service import IamService, Principal
from iamtui.service.resources import validate_resource_arn
from iamtui.service.tables import RESOURCE_POLICIES

BUCKET = "arn:aws:s3:::reports"
QUEUE = f"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:jobs"


def bucket_policy(principal: str, action: str = "s3:GetObject",
                  resource: str = f"{BUCKET}/*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": principal}, "Action": action,
        "Resource": resource}]})


def test_put_get_list_delete(service: IamService, root: Principal) -> None:
    """The four operations, and replacing a stored policy."""
    who = f"arn:aws:iam::{ACCOUNT_ID}:root"
    stored = service.put_resource_policy(root, BUCKET, bucket_policy(who))
    assert service.get_resource_policy(root, BUCKET) == stored
    service.put_resource_policy(root, QUEUE, bucket_policy(who, "sqs:SendMessage", QUEUE))
    service.put_resource_policy(root, BUCKET, bucket_policy(who, "s3:PutObject"))
    assert "s3:PutObject" in service.get_resource_policy(root, BUCKET).policy_document
    assert [p.resource_arn for p in service.list_resource_policies(root)] == [BUCKET, QUEUE]
    assert [p.resource_arn for p in service.list_resource_policies(
        root, arn_prefix="arn:aws:sqs:")] == [QUEUE]
    service.delete_resource_policy(root, BUCKET)
    with pytest.raises(NoSuchEntity, match="No resource-based policy is stored"):
        service.get_resource_policy(root, BUCKET)
    with pytest.raises(NoSuchEntity):
        service.delete_resource_policy(root, BUCKET)


def test_documents_are_checked_as_resource_policies(service: IamService,
                                                    root: Principal) -> None:
    """A resource-based policy needs a Principal (IAM User Guide, Principal element);
    bad ARNs and role ARNs are refused; nothing is stored."""
    no_principal = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}]})
    with pytest.raises(MalformedPolicyDocument):
        service.put_resource_policy(root, BUCKET, no_principal)
    with pytest.raises(InvalidInput):
        service.put_resource_policy(root, "bucket-reports", bucket_policy("*"))
    with pytest.raises(InvalidInput, match="trust policy"):
        service.put_resource_policy(root, f"arn:aws:iam::{ACCOUNT_ID}:role/r",
                                    bucket_policy("*"))
    assert RESOURCE_POLICIES.count(service.store.snapshot()) == 0


def test_stored_policy_grants_access_by_itself(service: IamService, root: Principal) -> None:
    """Within one account a resource-based policy that names a user grants access even
    without an identity-based policy (IAM User Guide, "Policy evaluation logic")."""
    alice_user = service.create_user(root, "alice")
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    grant = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": alice_user.arn},
        "Action": "iam:GetResourcePolicy", "Resource": BUCKET}]})
    with pytest.raises(AccessDenied):
        service.put_resource_policy(alice, BUCKET, grant)
    event = service.audit.page(0, 1)[0]
    assert (event["eventName"], event["errorCode"]) == ("PutResourcePolicy", "AccessDenied")
    service.put_resource_policy(root, BUCKET, grant)
    assert service.get_resource_policy(alice, BUCKET).resource_arn == BUCKET
    with pytest.raises(AccessDenied, match="iam:DeleteResourcePolicy"):
        service.delete_resource_policy(alice, BUCKET)
    assert service.list_resource_policies(root)


def test_resource_policy_is_used_when_evaluating(service: IamService, root: Principal) -> None:
    """The permission tester's evaluation of a caller reads the stored policy (an explicit
    deny in it wins over an identity-based allow: "Policy evaluation logic")."""
    alice_user = service.create_user(root, "alice")
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    service.attach_user_policy(root, "alice", "arn:aws:iam::aws:policy/AmazonS3FullAccess")
    view = service.store.snapshot()
    assert service.evaluate_caller(view, alice, "s3:GetObject", f"{BUCKET}/a").allowed
    deny = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"{BUCKET}/*"}]})
    service.put_resource_policy(root, f"{BUCKET}/a", deny)
    view = service.store.snapshot()
    assert not service.evaluate_caller(view, alice, "s3:GetObject", f"{BUCKET}/a").allowed


_PART = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)


@settings(max_examples=200)
@given(service_name=_PART, region=st.sampled_from(["", "eu-west-1", "us-east-1"]),
       account=st.sampled_from(["", ACCOUNT_ID]),
       resource=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/.:", min_size=1,
                        max_size=40))
def test_resource_arns_accepted(service_name: str, region: str, account: str,
                                resource: str) -> None:
    """Any well-formed ARN names a resource ("Amazon Resource Names", IAM User Guide), except
    a role's (whose resource-based policy is its trust policy)."""
    arn = f"arn:aws:{service_name}:{region}:{account}:{resource}"
    is_role = service_name == "iam" and resource.split("/")[0].split(":")[0] == "role"
    if is_role or service_name.startswith("-"):  # service names start with a letter or digit
        with pytest.raises(InvalidInput):
            validate_resource_arn(arn)
    else:
        assert validate_resource_arn(arn) == arn


@given(text=st.text(max_size=60))
def test_non_arns_refused(text: str) -> None:
    """Text that is not arn:partition:service:region:account:resource is InvalidInput or
    ValidationError, never accepted and never another exception."""
    try:
        validate_resource_arn(text)
    except (InvalidInput, ValidationError):
        return
    assert text.startswith("arn:") and text.count(":") >= 5
