"""Last accessed information (access advisor).

AWS pages: IAM User Guide, "Refine permissions in AWS using last accessed information"
(the report lists the services an entity's policies allow and when an authenticated
principal last attempted each, failed attempts included; action last accessed information
for IAM, EC2, Lambda and S3); IAM API Reference, GenerateServiceLastAccessedDetails,
GetServiceLastAccessedDetails, GetServiceLastAccessedDetailsWithEntities and
ListPoliciesGrantingServiceAccess; Service Authorization Reference, IAM (resource types of
those actions). Responses are checked against botocore's output shapes.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from helpers import ACCOUNT_ID, FakeClock
from hypothesis import given, settings
from hypothesis import strategies as st

from iamtui.errors import AccessDenied, InvalidInput, NoSuchEntity, ValidationError
from iamtui.model import Tag
from iamtui.service import IamService, Principal

READ_IAM = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "iam:TagUser"], "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]})
ALL = "arn:aws:iam::aws:policy/AdministratorAccess"


def assert_matches_model(operation: str, data: dict) -> None:
    """`data` fits the operation's output shape in botocore's model of IAM."""
    import awscli  # noqa: F401  (the AWS CLI's own botocore first)
    import botocore.session
    from botocore.validate import ParamValidator

    shape = botocore.session.get_session().get_service_model("iam") \
        .operation_model(operation).output_shape
    report = ParamValidator().validate(data, shape)
    assert not report.has_errors(), report.generate_report()


def _use_iam(service: IamService, caller: Principal) -> None:
    """A request on iam the trail records (reads are audited only when refused)."""
    service.tag_user(caller, caller.name, [Tag("seen", "yes")])


def _user(service: IamService, root: Principal, name: str = "alice") -> Principal:
    user = service.create_user(root, name)
    service.put_user_policy(root, name, "read", READ_IAM)
    return Principal.for_user(user, ACCOUNT_ID)


def _report(service: IamService, caller: Principal, arn: str,
            granularity: str = "SERVICE_LEVEL") -> dict:
    job_id = service.generate_service_last_accessed_details(caller, arn, granularity)
    data = service.get_service_last_accessed_details(caller, job_id).to_aws()
    assert_matches_model("GetServiceLastAccessedDetails", data)
    return data


def _by_namespace(data: dict) -> dict[str, dict]:
    return {s["ServiceNamespace"]: s for s in data["ServicesLastAccessed"]}


def test_lists_allowed_services_and_when_each_was_last_used(
        service: IamService, root: Principal, clock: FakeClock) -> None:
    """The services the user's Allow statements cover (not the denied ec2), and the last
    authenticated attempt of each from the audit trail: a failed one counts."""
    alice = _user(service, root)
    _use_iam(service, alice)
    clock.advance(days=1)
    used_at = clock()
    with pytest.raises(AccessDenied):
        service.create_user(alice, "mallory")  # denied, and still an attempt on iam
    clock.advance(days=1)
    data = _report(service, root, service.get_user(root, "alice").arn)
    rows = _by_namespace(data)
    assert set(rows) == {"iam", "s3"}
    assert data["JobStatus"] == "COMPLETED" and data["JobType"] == "SERVICE_LEVEL"
    iam = rows["iam"]
    assert iam["ServiceName"] == "AWS Identity and Access Management (IAM)"
    assert datetime.fromisoformat(iam["LastAuthenticated"]) == used_at
    assert iam["LastAuthenticatedEntity"] == service.get_user(root, "alice").arn
    assert iam["TotalAuthenticatedEntities"] == 1
    assert "LastAuthenticated" not in rows["s3"]
    assert rows["s3"]["TotalAuthenticatedEntities"] == 0


def test_action_level_tracks_iam_actions_only(service: IamService, root: Principal) -> None:
    """ACTION_LEVEL adds TrackedActionsLastAccessed for the tracked services (IAM, EC2,
    Lambda, S3 management actions), one entry per allowed action; SERVICE_LEVEL none."""
    alice = _user(service, root)
    _use_iam(service, alice)
    data = _report(service, root, service.get_user(root, "alice").arn, "ACTION_LEVEL")
    rows = _by_namespace(data)
    actions = {a["ActionName"]: a for a in rows["iam"]["TrackedActionsLastAccessed"]}
    assert "ListUsers" in actions and "GetUser" in actions and "CreateUser" not in actions
    assert actions["TagUser"]["LastAccessedEntity"].endswith(":user/alice")
    assert "LastAccessedTime" not in actions["GetUser"]
    # S3: management actions only; GetObject is an object-level (data) event
    assert rows["s3"]["TrackedActionsLastAccessed"] == []
    assert "TrackedActionsLastAccessed" not in _by_namespace(
        _report(service, root, service.get_user(root, "alice").arn))["iam"]


def test_group_and_policy_reports_count_every_member(service: IamService,
                                                     root: Principal) -> None:
    """A group's report counts its users' attempts; a policy's those of every user and role
    it applies to (TotalAuthenticatedEntities); WithEntities lists them."""
    service.create_group(root, "admins")
    service.attach_policy(root, "group", "admins", ALL)
    for name in ("bob", "carol"):
        user = service.create_user(root, name)
        service.add_user_to_group(root, "admins", name)
        _use_iam(service, Principal.for_user(user, ACCOUNT_ID))
    group_arn = service.get_group(root, "admins").group.arn
    rows = _by_namespace(_report(service, root, group_arn))
    assert len(rows) > 300  # AdministratorAccess allows every service
    assert rows["iam"]["TotalAuthenticatedEntities"] == 2
    assert rows["iam"]["LastAuthenticatedEntity"].endswith(":user/carol")
    job_id = service.generate_service_last_accessed_details(root, ALL)
    assert _by_namespace(service.get_service_last_accessed_details(root, job_id).to_aws()
                         )["iam"]["TotalAuthenticatedEntities"] == 2
    entities = service.get_service_last_accessed_details_with_entities(root, job_id, "iam")
    assert_matches_model("GetServiceLastAccessedDetailsWithEntities", entities)
    assert {e["EntityInfo"]["Name"] for e in entities["EntityDetailsList"]} == {"bob", "carol"}
    assert all(e["EntityInfo"]["Type"] == "USER" for e in entities["EntityDetailsList"])


def test_job_id_works_from_another_process(service: IamService, root: Principal,
                                           clock: FakeClock) -> None:
    """A JobId is kept in the store: another IamService over the same files reads it."""
    _user(service, root)
    job_id = service.generate_service_last_accessed_details(
        root, service.get_user(root, "alice").arn)
    other = IamService.open(service.path, clock=clock, keys_dir=service.keys_dir)
    try:
        got = other.get_service_last_accessed_details(other.root_principal(), job_id)
        assert set(_by_namespace(got.to_aws())) == {"iam", "s3"}
    finally:
        other.close()


def test_errors_are_awss(service: IamService, root: Principal) -> None:
    """NoSuchEntity for an absent entity or job, InvalidInput for an ARN that is not a
    user, group, role or policy, ValidationError for a bad granularity, JobId length or
    service namespace (serviceNamespaceType: [\\w-]*, 1 to 64 characters)."""
    with pytest.raises(NoSuchEntity):
        service.generate_service_last_accessed_details(
            root, f"arn:aws:iam::{ACCOUNT_ID}:user/nobody")
    with pytest.raises(InvalidInput):
        service.generate_service_last_accessed_details(root, "not-an-arn-at-all-really")
    with pytest.raises(InvalidInput):
        service.generate_service_last_accessed_details(
            root, f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/x")
    with pytest.raises(ValidationError):
        service.generate_service_last_accessed_details(root, ALL, "OTHER")
    with pytest.raises(ValidationError):
        service.get_service_last_accessed_details(root, "short")
    with pytest.raises(NoSuchEntity):
        service.get_service_last_accessed_details(root, "0" * 36)
    with pytest.raises(InvalidInput):
        service.list_policies_granting_service_access(root, ALL, ["iam"])  # not a policy
    user_arn = service.create_user(root, "zed").arn
    with pytest.raises(ValidationError):
        service.list_policies_granting_service_access(root, user_arn, ["s3 bucket"])
    with pytest.raises(ValidationError):
        service.list_policies_granting_service_access(root, user_arn, [])


def test_authorized_on_the_entity_and_audited(service: IamService, root: Principal) -> None:
    """Service Authorization Reference: GenerateServiceLastAccessedDetails on the entity's
    ARN; a refusal is AccessDenied and audited."""
    alice = _user(service, root)
    bob_arn = service.create_user(root, "bob").arn
    with pytest.raises(AccessDenied):
        service.generate_service_last_accessed_details(alice, bob_arn)
    events = [e for e in service.audit.lookup_events(
        event_name="GenerateServiceLastAccessedDetails")]
    assert events[0]["errorCode"] == "AccessDenied"
    job_id = service.generate_service_last_accessed_details(root, bob_arn)
    events = list(service.audit.lookup_events(event_name="GenerateServiceLastAccessedDetails"))
    assert events[0]["responseElements"] == {"jobId": job_id}


def test_policies_granting_service_access(service: IamService, root: Principal) -> None:
    """ListPoliciesGrantingServiceAccess: a user's inline and its group's managed policies
    that allow each namespace; none for a service they do not allow."""
    _user(service, root)
    service.create_group(root, "admins")
    service.attach_policy(root, "group", "admins", ALL)
    service.add_user_to_group(root, "admins", "alice")
    arn = service.get_user(root, "alice").arn
    found = service.list_policies_granting_service_access(root, arn, ["s3", "ec2"])
    assert_matches_model("ListPoliciesGrantingServiceAccess",
                         {"PoliciesGrantingServiceAccess": found, "IsTruncated": False})
    s3, ec2 = found
    assert [(p["PolicyName"], p["PolicyType"]) for p in s3["Policies"]] == [
        ("read", "INLINE"), ("AdministratorAccess", "MANAGED")]
    assert s3["Policies"][0]["EntityType"] == "USER"
    assert [p["PolicyName"] for p in ec2["Policies"]] == ["AdministratorAccess"]


def test_unused_for(service: IamService, root: Principal, clock: FakeClock) -> None:
    """Services never used, or last used 90 days ago or more, count as unused."""
    alice = _user(service, root)
    _use_iam(service, alice)
    clock.advance(days=91)
    job = service.access_advisor(root, service.get_user(root, "alice").arn)
    assert sorted(job.unused_for(clock(), 90)) == ["iam", "s3"]
    assert job.unused_for(clock() - timedelta(days=2), 90) == ["s3"]
    assert job.access["s3"] == "Limited: Read"


# ------------------------------------------------------------------ the command line


def test_cli_generate_then_get_in_pages(cli_run) -> None:
    """`aws iam generate-service-last-accessed-details --arn` prints {"JobId"}; the get
    command takes --max-items and --marker as IAM's MaxItems and Marker (IsTruncated)."""
    cli_run.as_root("create-group", "--group-name", "admins")
    cli_run.as_root("attach-group-policy", "--group-name", "admins", "--policy-arn", ALL)
    arn = cli_run.as_root("get-group", "--group-name", "admins")["Group"]["Arn"]
    job = cli_run.as_root("generate-service-last-accessed-details", "--arn", arn)
    assert len(job["JobId"]) == 36
    first = cli_run.as_root("get-service-last-accessed-details", "--job-id", job["JobId"],
                       "--max-items", "5")
    assert_matches_model("GetServiceLastAccessedDetails", first)
    assert len(first["ServicesLastAccessed"]) == 5 and first["IsTruncated"]
    second = cli_run.as_root("get-service-last-accessed-details", "--job-id", job["JobId"],
                        "--max-items", "5", "--marker", first["Marker"])
    assert second["ServicesLastAccessed"][0] != first["ServicesLastAccessed"][0]
    entities = cli_run.as_root("get-service-last-accessed-details-with-entities", "--job-id",
                          job["JobId"], "--service-namespace", "iam")
    assert entities["EntityDetailsList"] == []  # a group without members
    code, _, err = cli_run.root("get-service-last-accessed-details", "--job-id", "1" * 36)
    assert code != 0 and "(NoSuchEntity)" in err and "GetServiceLastAccessedDetails" in err
    granting = cli_run.as_root("list-policies-granting-service-access", "--arn", arn,
                          "--service-namespaces", "s3")
    assert granting["PoliciesGrantingServiceAccess"][0]["Policies"][0]["PolicyArn"] == ALL


def test_dashboard_check_flags_permissions_unused_for_90_days(
        service: IamService, root: Principal, clock: FakeClock) -> None:
    """The dashboard's check: a user or role, 90 days old or more, whose policies allow a
    service it did not use in 90 days fails; one that used all of them passes (IAM User
    Guide, "Refine permissions in AWS using last accessed information")."""
    only_iam = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:TagUser", "Resource": "*"}]})
    busy = service.create_user(root, "busy")
    service.put_user_policy(root, "busy", "tag", only_iam)
    _user(service, root, "idle")
    assert service.security_status(root).check("unused-permissions").passed  # too new
    clock.advance(days=95)
    _use_iam(service, Principal.for_user(busy, ACCOUNT_ID))
    check = service.security_status(root).check("unused-permissions")
    assert not check.passed
    assert [(f.type, f.name) for f in check.failing] == [("User", "idle")]
    assert "2 of 2 allowed services unused for 90 days" in check.failing[0].detail


def test_access_advisor_tab_reads_without_a_job(service: IamService, root: Principal) -> None:
    """The tab's report is authorized as GenerateServiceLastAccessedDetails on the entity
    and keeps no job: the store does not change."""
    alice = _user(service, root)
    revision = service.revision
    job = service.access_advisor(root, service.get_user(root, "alice").arn)
    assert service.revision == revision and set(job.access) == {"iam", "s3"}
    with pytest.raises(AccessDenied):
        service.access_advisor(alice, service.create_user(root, "bob").arn)


def test_only_the_newest_jobs_are_kept(service: IamService, root: Principal,
                                       clock: FakeClock, monkeypatch) -> None:
    """Jobs past MAX_JOBS go, oldest first: the store does not grow with every report."""
    from iamtui.service import access_advisor

    monkeypatch.setattr(access_advisor, "MAX_JOBS", 2)
    ids = []
    for _ in range(3):
        ids.append(service.generate_service_last_accessed_details(root, ALL))
        clock.advance(seconds=1)
    with pytest.raises(NoSuchEntity):
        service.get_service_last_accessed_details(root, ids[0])
    for job_id in ids[1:]:
        assert service.get_service_last_accessed_details(root, job_id).job_id == job_id


def test_not_action_allows_every_service_but_those_it_names_whole() -> None:
    """IAM JSON policy elements: NotAction with Allow allows every action not listed;
    a service named whole (`iam:*`) is not allowed, one named in part still is."""
    from iamtui.policy import parse_policy
    from iamtui.policy.services import allowed_services

    document = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": ["iam:*", "s3:DeleteBucket"], "Resource": "*"}]}))
    grants = allowed_services([document])
    assert "iam" not in grants and "s3" in grants and "ec2" in grants


_SAMPLE_ACTIONS = ("iam:CreateUser", "iam:GetUser", "s3:GetObject", "s3:ListBucket",
                   "ec2:RunInstances", "lambda:InvokeFunction", "sts:AssumeRole", "kms:Decrypt")


@given(st.lists(st.sampled_from(_SAMPLE_ACTIONS), min_size=1, unique=True),
       st.lists(st.sampled_from(_SAMPLE_ACTIONS), unique=True))
@settings(max_examples=40, deadline=None)
def test_allowed_services_are_exactly_those_of_allowed_actions(
        allowed: list[str], denied: list[str]) -> None:
    """Only Allow statements grant (IAM User Guide, "Policy evaluation logic": a Deny
    removes access but never adds a service to what is allowed): the services listed are
    those of the allowed actions, each with exactly those actions."""
    from iamtui.policy import parse_policy
    from iamtui.policy.services import allowed_services

    statements = [{"Effect": "Allow", "Action": allowed, "Resource": "*"}]
    if denied:
        statements.append({"Effect": "Deny", "Action": denied, "Resource": "*"})
    grants = allowed_services([parse_policy(json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))])
    assert set(grants) == {a.split(":")[0] for a in allowed}
    for prefix, grant in grants.items():
        assert not grant.whole
        assert {a.full_name for a in grant.actions} == {a for a in allowed
                                                        if a.startswith(prefix + ":")}
