"""Service-linked roles: created for a service with AWS's name, path and trust policy,
protected from every change but their service's, deleted only through a deletion task.

Semantics from the IAM User Guide, "Using service-linked roles" (AWSServiceRoleFor<Service>
names, optionally with a custom suffix; the /aws-service-role/<service>/ path; the service's
trust policy and permissions; "you cannot edit the permissions of a service-linked role",
only its description; deletion through the service, with a deletion task and its status)
and the IAM API reference's CreateServiceLinkedRole, DeleteServiceLinkedRole and
GetServiceLinkedRoleDeletionStatus pages (UnmodifiableEntity for the other role
operations); output shapes from AWS's API model (botocore).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from aws_model import output_errors
from helpers import ACCOUNT_ID, ROOT_PASSWORD

from iamtui.errors import (
    AccessDenied,
    InvalidInput,
    NoSuchEntity,
    UnmodifiableEntity,
    ValidationError,
)
from iamtui.service import IamService, Principal
from iamtui.service.tables import ATTACHMENTS

ALLOW_S3 = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",'
            '"Resource":"*"}]}')
TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         '{"Service":"config.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
CONFIG_POLICY = "arn:aws:iam::aws:policy/aws-service-role/AWSConfigServiceRolePolicy"


def test_create_names_paths_trusts_and_attaches(service: IamService, root: Principal) -> None:
    """The role is AWSServiceRoleFor<Service> under /aws-service-role/<service>/, trusts only
    the service, and carries the service's managed policy ("Using service-linked roles")."""
    role = service.create_service_linked_role(root, "config.amazonaws.com",
                                              description="AWS Config")
    assert role.role_name == "AWSServiceRoleForConfig"
    assert role.path == "/aws-service-role/config.amazonaws.com/"
    assert role.arn == (f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/config.amazonaws.com/"
                        "AWSServiceRoleForConfig")
    assert json.loads(role.assume_role_policy_document)["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
        "Action": "sts:AssumeRole"}]
    assert [p.arn for p in service.list_attached_role_policies(root, role.role_name)] == [
        CONFIG_POLICY]
    with pytest.raises(InvalidInput, match="has been taken in this account, please try a "
                                           "different suffix"):
        service.create_service_linked_role(root, "config.amazonaws.com")


def test_custom_suffix_and_services_iamtui_ships_no_policy_for(service: IamService,
                                                              root: Principal) -> None:
    """CustomSuffix makes AWSServiceRoleFor<Service>_<suffix>, so that one service may have
    several roles; a service whose policy iamtui does not ship gets the role alone."""
    first = service.create_service_linked_role(root, "autoscaling.amazonaws.com")
    second = service.create_service_linked_role(root, "autoscaling.amazonaws.com",
                                                custom_suffix="dev")
    assert (first.role_name, second.role_name) == ("AWSServiceRoleForAutoScaling",
                                                    "AWSServiceRoleForAutoScaling_dev")
    assert service.list_attached_role_policies(root, second.role_name) == []
    assert service.create_service_linked_role(
        root, "lambda.amazonaws.com").role_name == "AWSServiceRoleForLambda"


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"aws_service_name": "not a service"}, ValidationError),
    ({"aws_service_name": "example.com"}, InvalidInput),
    ({"aws_service_name": "ec2.amazonaws.com", "custom_suffix": "bad suffix"},
     ValidationError),
    ({"aws_service_name": "ec2.amazonaws.com", "custom_suffix": "x" * 60}, InvalidInput),
])
def test_refusals(service: IamService, root: Principal, kwargs: dict,
                  error: type[Exception]) -> None:
    """AWSServiceName is a service principal (1-128 of [\\w+=,.@-]); CustomSuffix 1-64 of
    the same, and the whole name still a role name (64 characters)."""
    with pytest.raises(error):
        service.create_service_linked_role(root, **kwargs)


def _protected_calls(service: IamService, root: Principal,
                     name: str) -> dict[str, Callable[[], object]]:
    return {
        "UpdateAssumeRolePolicy": lambda: service.update_assume_role_policy(
            root, name, service.get_role(root, name).assume_role_policy_document),
        "PutRolePolicy": lambda: service.put_role_policy(root, name, "x", ALLOW_S3),
        "DeleteRolePolicy": lambda: service.delete_role_policy(root, name, "x"),
        "AttachRolePolicy": lambda: service.attach_role_policy(
            root, name, "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        "DetachRolePolicy": lambda: service.detach_role_policy(root, name, CONFIG_POLICY),
        "PutRolePermissionsBoundary": lambda: service.put_role_permissions_boundary(
            root, name, "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        "DeleteRole": lambda: service.delete_role(root, name, cascade=True),
    }


def test_protected_from_every_change_but_the_description(service: IamService,
                                                          root: Principal) -> None:
    """Trust policy, permissions, boundary and deletion answer UnmodifiableEntity with AWS's
    message, audited; the description can still be edited ("Editing a service-linked
    role")."""
    name = service.create_service_linked_role(root, "config.amazonaws.com").role_name
    for operation, call in _protected_calls(service, root, name).items():
        with pytest.raises(UnmodifiableEntity, match=f"protected role '{name}' - this role "
                                                     "is only modifiable by AWS"):
            call()
        last = service.audit.page(0, 1)[0]
        assert (last["eventName"], last["errorCode"]) == (operation, "UnmodifiableEntity")
    assert [p.arn for p in service.list_attached_role_policies(root, name)] == [CONFIG_POLICY]
    assert service.update_role(root, name, description="cfg").description == "cfg"


def test_delete_through_a_deletion_task(service: IamService, root: Principal) -> None:
    """DeleteServiceLinkedRole answers a DeletionTaskId (task/aws-service-role/<service>/
    <role>/<id>) whose status GetServiceLinkedRoleDeletionStatus reports; the task fails,
    keeping the role, while something (an instance profile) still uses it."""
    name = service.create_service_linked_role(root, "config.amazonaws.com").role_name
    service.create_instance_profile(root, "p")
    service.add_role_to_instance_profile(root, "p", name)
    failed = service.delete_service_linked_role(root, name)
    assert failed.startswith(f"task/aws-service-role/config.amazonaws.com/{name}/")
    status = service.get_service_linked_role_deletion_status(root, failed)
    assert status.status == "FAILED" and "instance profile p" in status.reason
    assert service.get_role(root, name)
    service.remove_role_from_instance_profile(root, "p", name)
    task = service.delete_service_linked_role(root, name)
    assert service.get_service_linked_role_deletion_status(root, task).status == "SUCCEEDED"
    with pytest.raises(NoSuchEntity):
        service.get_role(root, name)
    assert ATTACHMENTS.find_by(service.store.snapshot(), "owner", name) == []  # with it
    with pytest.raises(NoSuchEntity, match="Deletion task"):
        service.get_service_linked_role_deletion_status(
            root, f"task/aws-service-role/config.amazonaws.com/{name}/nope")
    with pytest.raises(InvalidInput):
        service.get_service_linked_role_deletion_status(root, "nonsense")
    service.create_role(root, "plain", json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]}))
    with pytest.raises(InvalidInput, match="not a service-linked role"):
        service.delete_service_linked_role(root, "plain")


def test_create_role_may_not_use_the_reserved_path(service: IamService,
                                                   root: Principal) -> None:
    """The /aws-service-role/ path is the service-linked roles' alone: CreateRole answers
    InvalidInput ("Using service-linked roles"), so no protected role is made by hand."""
    with pytest.raises(InvalidInput, match="Path prefix '/aws-service-role/' can only be "
                                           "used for AWS Service linked Roles"):
        service.create_role(root, "AWSServiceRoleForConfig", TRUST,
                            path="/aws-service-role/config.amazonaws.com/")


def test_authorized_with_the_service_name(service: IamService, root: Principal) -> None:
    """iam:CreateServiceLinkedRole on the role's ARN, with iam:AWSServiceName (Service
    Authorization Reference; "Service-linked role permissions" in "Using service-linked
    roles" grants it per service this way)."""
    user = service.create_user(root, "alice")
    service.put_user_policy(root, "alice", "slr", json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole",
            "Resource": "arn:aws:iam::*:role/aws-service-role/*",
            "Condition": {"StringLike": {"iam:AWSServiceName": "config.amazonaws.com"}}}]}))
    alice = Principal.for_user(user, ACCOUNT_ID)
    assert service.create_service_linked_role(alice, "config.amazonaws.com")
    with pytest.raises(AccessDenied, match="iam:CreateServiceLinkedRole"):
        service.create_service_linked_role(alice, "ssm.amazonaws.com")
    with pytest.raises(AccessDenied, match="iam:DeleteServiceLinkedRole"):
        service.delete_service_linked_role(alice, "AWSServiceRoleForConfig")


def test_cli_answers_validate_against_awss_model(cli_run) -> None:
    """create-service-linked-role, delete-service-linked-role and
    get-service-linked-role-deletion-status answer in AWS's output shapes."""
    made = cli_run.as_root("create-service-linked-role", "--aws-service-name",
                           "ssm.amazonaws.com", "--description", "SSM")
    assert output_errors("CreateServiceLinkedRole", made) == ""
    assert made["Role"]["RoleName"] == "AWSServiceRoleForAmazonSSM"
    code, _, err = cli_run.root("delete-role", "--role-name", "AWSServiceRoleForAmazonSSM")
    assert code == 254 and "(UnmodifiableEntity) when calling the DeleteRole operation" in err
    task = cli_run.as_root("delete-service-linked-role", "--role-name",
                           "AWSServiceRoleForAmazonSSM")
    assert output_errors("DeleteServiceLinkedRole", task) == ""
    status = cli_run.as_root("get-service-linked-role-deletion-status", "--deletion-task-id",
                             task["DeletionTaskId"])
    assert output_errors("GetServiceLinkedRoleDeletionStatus", status) == ""
    assert status == {"Status": "SUCCEEDED"}


EXPORT = Path("/work/shared/data/authz-details-cloudsplaining-example.json")


@pytest.mark.skipif(not EXPORT.exists(), reason=f"the cloudsplaining export is not at {EXPORT}")
def test_imported_service_linked_roles_are_protected(tmp_path: Path, clock) -> None:
    """A real export's /aws-service-role/ roles are service-linked roles here too."""
    service = IamService.initialize(tmp_path / "iamtui.json", root_password=ROOT_PASSWORD,
                                    account_id="200611803367", clock=clock,
                                    keys_dir=tmp_path / "keys")
    try:
        root = service.root_principal()
        service.import_account_authorization_details(
            root, json.loads(EXPORT.read_text(encoding="utf-8")),
            map_accounts=["012345678901"])
        with pytest.raises(UnmodifiableEntity):
            service.delete_role(root, "AWSServiceRoleForSupport", cascade=True)
        task = service.delete_service_linked_role(root, "AWSServiceRoleForSupport")
        assert service.get_service_linked_role_deletion_status(root, task).status == \
            "SUCCEEDED"
    finally:
        service.close()
