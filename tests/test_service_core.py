"""ServiceCore plumbing: root authentication and what its audit events keep."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT_PASSWORD

from iamtui.errors import SignInFailed
from iamtui.service import IamService


@pytest.mark.parametrize("wrong", ["e", "Sup3r", "x" * 200])
def test_wrong_root_password_is_refused_and_audited_intact(service: IamService,
                                                           wrong: str) -> None:
    """A mistyped root password of any length fails cleanly; the record stays readable
    and never holds what was typed (a 1-letter guess must not mangle field names)."""
    with pytest.raises(SignInFailed):
        service.sign_in_root(service.account_id, wrong)
    record = service.audit.page(0, 1)[0]
    assert record["eventName"] == "ConsoleLogin"
    assert record["responseElements"] == {"ConsoleLogin": "Failure"}
    assert service.audit.verify().ok
    if len(wrong) >= 4:
        assert wrong not in service.audit.path.read_text()


def test_right_root_password(service: IamService) -> None:
    assert service.sign_in_root(service.account_id, ROOT_PASSWORD).is_root


def test_a_bucket_policy_governs_the_bucket_s_objects(service: IamService) -> None:
    """A bucket policy's statements name `bucket/*` and decide requests on its objects
    (Amazon S3 User Guide, "Bucket policies"); the policy is stored on the bucket's ARN."""
    from iamtui.service import Principal

    root = service.root_principal()
    alice = Principal.for_user(service.create_user(root, "alice"), service.account_id)
    service.put_resource_policy(root, "arn:aws:s3:::reports", (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"'
        + alice.arn + '"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}'))
    view = service.store.snapshot()
    allowed = service.evaluate_caller(view, alice, "s3:GetObject", "arn:aws:s3:::reports/q3.csv")
    assert allowed.allowed and allowed.matched[0].source.source_id == "arn:aws:s3:::reports"
    other = service.evaluate_caller(view, alice, "s3:GetObject", "arn:aws:s3:::other/q3.csv")
    assert not other.allowed


def test_a_role_in_an_instance_profile_cannot_be_deleted_until_removed(
        service: IamService) -> None:
    """DeleteRole API reference: "Make sure that you ... remove the role from any instance
    profiles" first; AWS answers DeleteConflict. The cascade removes it from the profile."""
    import pytest

    from iamtui.errors import DeleteConflict
    from iamtui.model import InstanceProfile
    from iamtui.service.tables import INSTANCE_PROFILES

    root = service.root_principal()
    trust = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
             '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
    service.create_role(root, "web", trust)
    with service.store.transaction() as tx:
        INSTANCE_PROFILES.put(tx, InstanceProfile(
            "web-profile", "AIPAEXAMPLE1234567890",
            f"arn:aws:iam::{service.account_id}:instance-profile/web-profile",
            service.clock(), role_names=("web",)))
    with pytest.raises(DeleteConflict, match="remove roles from instance profile"):
        service.delete_role(root, "web")
    service.delete_role(root, "web", cascade=True)
    (profile,) = INSTANCE_PROFILES.all(service.store.snapshot())
    assert profile.role_names == ()


def test_list_policies_puts_imported_aws_managed_policies_under_scope_aws(
        service: IamService) -> None:
    """ListPolicies API reference: Scope AWS lists AWS managed policies, Local customer
    managed ones; an AWS managed policy an import brought along is AWS's."""
    from dataclasses import replace

    from iamtui.managed_policies import aws_managed_policies
    from iamtui.service.tables import POLICIES

    root = service.root_principal()
    template = next(iter(aws_managed_policies().values())).policy
    imported = replace(template, arn="arn:aws:iam::aws:policy/NotShippedExample",
                       policy_name="NotShippedExample")
    with service.store.transaction() as tx:
        POLICIES.put(tx, imported)
    aws = {p.arn for p in service.list_policies(root, scope="AWS")}
    local = {p.arn for p in service.list_policies(root, scope="Local")}
    assert imported.arn in aws and imported.arn not in local


def test_init_refuses_a_store_that_already_holds_an_account(service: IamService,
                                                              tmp_path: Path) -> None:
    """`iamtui init` on an initialized store changes nothing and says why."""
    import pytest

    from iamtui.errors import EntityAlreadyExists

    with pytest.raises(EntityAlreadyExists, match="already holds an account"):
        IamService.initialize(service.store.path, root_password=ROOT_PASSWORD,
                              keys_dir=tmp_path / "keys")
    assert service.account().alias == "example"


def test_a_principal_s_policies_are_one_indexed_set_per_store_revision(
        service: IamService) -> None:
    """The cached policies of a principal are one PolicySet for as long as the store's
    revision stands (its per-service and per-action indexes serve every request), a new
    one once the store changes; decisions are those of the policies passed afresh (IAM User
    Guide, "Policy evaluation logic": identity-based policies of the user and its groups)."""
    from iamtui.policy import PolicySet, evaluate
    from iamtui.service import Principal

    root = service.root_principal()
    alice = Principal.for_user(service.create_user(root, "alice"), service.account_id)
    service.create_group(root, "readers")
    service.add_user_to_group(root, "readers", "alice")
    service.put_group_policy(root, "readers", "read", (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*",'
        '"Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject",'
        '"Resource":"arn:aws:s3:::secret/*"}]}'))
    view = service.store.snapshot()
    first = service.policies_of(view, "user", "alice")
    assert isinstance(first.identity, PolicySet) and isinstance(first.boundaries, PolicySet)
    assert service.policies_of(view, "user", "alice").identity is first.identity
    for resource, decision in (("arn:aws:s3:::public/a", "allowed"),
                               ("arn:aws:s3:::secret/a", "explicitDeny")):
        result = service.evaluate_caller(view, alice, "s3:GetObject", resource)
        fresh = evaluate(result.inputs.request, list(first.identity))
        assert result.decision == fresh.decision == decision
        assert result.matched == fresh.matched
    service.put_user_policy(root, "alice", "none", (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*",'
        '"Resource":"*"}]}'))
    later = service.store.snapshot()
    assert service.policies_of(later, "user", "alice").identity is not first.identity
    assert service.evaluate_caller(later, alice, "s3:GetObject",
                                   "arn:aws:s3:::public/a").decision == "explicitDeny"
