"""IamService group operations: create, get (with users), list, rename, delete (with AWS's
DeleteConflict rules and the cascade), membership and its quota, operators and audit.

Semantics from the IAM API reference: CreateGroup, GetGroup, ListGroups, UpdateGroup,
DeleteGroup, AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_Operations.html) and the IAM User
Guide's "IAM and AWS STS quotas" (10 groups per user).
"""

from __future__ import annotations

import pytest
from helpers import ACCOUNT_ID

from iamtui.errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import PolicyAttachment
from iamtui.service import IamService, Principal
from iamtui.service.tables import ATTACHMENTS, GROUPS, INLINE_POLICIES, MEMBERSHIPS

ALLOW_S3 = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",'
            '"Resource":"*"}]}')


def test_create_get_list_group(service: IamService, root: Principal) -> None:
    """CreateGroup gives an AGPA ID and the group ARN with its path; GetGroup and
    ListGroups find it by any case (API reference: CreateGroup, GetGroup, ListGroups)."""
    group = service.create_group(root, "Admins", path="/ops/")
    assert group.arn == f"arn:aws:iam::{ACCOUNT_ID}:group/ops/Admins"
    assert group.group_id.startswith("AGPA") and len(group.group_id) == 21
    detail = service.get_group(root, "admins")
    assert detail.group == group and detail.users == ()
    service.create_group(root, "devs")
    assert [g.group_name for g in service.list_groups(root)] == ["Admins", "devs"]
    assert [g.group_name for g in service.list_groups(root, path_prefix="/ops/")] == ["Admins"]


def test_group_names_are_unique_regardless_of_case(service: IamService,
                                                   root: Principal) -> None:
    """IAM names are unique ignoring case (IAM User Guide, "IAM identifiers")."""
    service.create_group(root, "Admins")
    with pytest.raises(EntityAlreadyExists, match="Group with name ADMINS already exists"):
        service.create_group(root, "ADMINS")
    assert GROUPS.count(service.store.snapshot()) == 1


@pytest.mark.parametrize("name", ["bad name", "x" * 129, "", "caf\u00e9"])
def test_bad_group_names_are_validation_errors(service: IamService, root: Principal,
                                               name: str) -> None:
    """GroupName: 1-128 characters of [\\w+=,.@-] (API reference: CreateGroup)."""
    with pytest.raises(ValidationError, match="groupName"):
        service.create_group(root, name)
    assert GROUPS.count(service.store.snapshot()) == 0


def test_missing_group(service: IamService, root: Principal) -> None:
    """NoSuchEntity names the group (API reference: GetGroup errors)."""
    with pytest.raises(NoSuchEntity, match="The group with name nobody cannot be found"):
        service.get_group(root, "nobody")


def test_membership_and_get_group_users(service: IamService, root: Principal) -> None:
    """GetGroup lists the group's users; ListGroupsForUser the user's groups; adding a
    member twice changes nothing (API reference: AddUserToGroup, ListGroupsForUser)."""
    service.create_group(root, "devs")
    service.create_group(root, "admins")
    service.create_user(root, "bob")
    service.create_user(root, "alice")
    service.add_user_to_group(root, "DEVS", "Bob")
    service.add_user_to_group(root, "devs", "alice")
    service.add_user_to_group(root, "devs", "alice")
    service.add_user_to_group(root, "admins", "alice")
    assert [u.user_name for u in service.get_group(root, "devs").users] == ["alice", "bob"]
    assert [g.group_name for g in service.list_groups_for_user(root, "ALICE")] == [
        "admins", "devs"]
    # stored under the entities' own names, not the request's spelling
    assert {m.user_name for m in MEMBERSHIPS.find_by(service.store.snapshot(), "group",
                                                     "devs")} == {"alice", "bob"}
    service.remove_user_from_group(root, "devs", "BOB")
    assert [u.user_name for u in service.get_group(root, "devs").users] == ["alice"]
    with pytest.raises(NoSuchEntity, match="bob is not in group devs"):
        service.remove_user_from_group(root, "devs", "bob")


def test_membership_needs_both_entities(service: IamService, root: Principal) -> None:
    service.create_group(root, "devs")
    with pytest.raises(NoSuchEntity, match="The user with name ghost cannot be found"):
        service.add_user_to_group(root, "devs", "ghost")
    service.create_user(root, "bob")
    with pytest.raises(NoSuchEntity, match="The group with name ghosts cannot be found"):
        service.add_user_to_group(root, "ghosts", "bob")
    assert MEMBERSHIPS.count(service.store.snapshot()) == 0


def test_eleventh_group_is_a_limit_exceeded(service: IamService, root: Principal) -> None:
    """A user can be a member of at most 10 groups (IAM and AWS STS quotas: "Groups an IAM
    user can be a member of: 10"); the 11th AddUserToGroup fails and changes nothing."""
    service.create_user(root, "bob")
    for i in range(11):
        service.create_group(root, f"g{i}")
    for i in range(10):
        service.add_user_to_group(root, f"g{i}", "bob")
    with pytest.raises(LimitExceeded, match="GroupsPerUser: 10"):
        service.add_user_to_group(root, "g10", "bob")
    assert len(service.list_groups_for_user(root, "bob")) == 10
    assert service.get_group(root, "g10").users == ()


def test_rename_moves_members_and_policies(service: IamService, root: Principal) -> None:
    """UpdateGroup renames and moves; members, inline and attached policies follow
    (API reference: UpdateGroup)."""
    service.create_group(root, "devs")
    service.create_user(root, "bob")
    service.add_user_to_group(root, "devs", "bob")
    service.put_group_policy(root, "devs", "s3", ALLOW_S3)
    with service.store.transaction() as tx:
        ATTACHMENTS.put(tx, PolicyAttachment("arn:aws:iam::aws:policy/ReadOnlyAccess",
                                             "group", "devs"))
    renamed = service.update_group(root, "devs", new_group_name="Engineers", new_path="/eng/")
    assert renamed.arn == f"arn:aws:iam::{ACCOUNT_ID}:group/eng/Engineers"
    assert renamed.group_id == service.get_group(root, "engineers").group.group_id
    assert [u.user_name for u in service.get_group(root, "Engineers").users] == ["bob"]
    assert service.list_group_policies(root, "Engineers") == ["s3"]
    view = service.store.snapshot()
    assert [a.owner_name for a in ATTACHMENTS.all(view)] == ["Engineers"]
    with pytest.raises(NoSuchEntity):
        service.get_group(root, "devs")
    # bob's permissions still include the group's policy under its new name
    assert [g.group_name for g in service.list_groups_for_user(root, "bob")] == ["Engineers"]


def test_rename_to_an_existing_name_fails(service: IamService, root: Principal) -> None:
    service.create_group(root, "devs")
    service.create_group(root, "ops")
    with pytest.raises(EntityAlreadyExists, match="Group with name OPS already exists"):
        service.update_group(root, "devs", new_group_name="OPS")
    service.update_group(root, "devs", new_group_name="DEVS")  # a change of case is fine
    assert service.get_group(root, "devs").group.group_name == "DEVS"


@pytest.mark.parametrize(("setup", "what"), [
    ("member", "remove users from group"),
    ("inline", "delete policies"),
    ("attached", "detach all policies"),
])
def test_delete_conflict_then_cascade(service: IamService, root: Principal, setup: str,
                                      what: str) -> None:
    """DeleteGroup fails with DeleteConflict while the group has members, inline or
    attached policies (API reference: DeleteGroup: "must not contain any users or have any
    attached policies"); nothing changes; the cascade removes them first."""
    service.create_group(root, "devs")
    if setup == "member":
        service.create_user(root, "bob")
        service.add_user_to_group(root, "devs", "bob")
    elif setup == "inline":
        service.put_group_policy(root, "devs", "s3", ALLOW_S3)
    else:
        with service.store.transaction() as tx:
            ATTACHMENTS.put(tx, PolicyAttachment("arn:aws:iam::aws:policy/ReadOnlyAccess",
                                                 "group", "devs"))
    before = service.store.snapshot()
    with pytest.raises(DeleteConflict, match=f"Cannot delete entity, must {what} first."):
        service.delete_group(root, "devs")
    after = service.store.snapshot()
    for table in (GROUPS, MEMBERSHIPS, INLINE_POLICIES, ATTACHMENTS):
        assert table.all(after) == table.all(before)
    service.delete_group(root, "devs", cascade=True)
    view = service.store.snapshot()
    assert GROUPS.count(view) == MEMBERSHIPS.count(view) == 0
    assert INLINE_POLICIES.count(view) == ATTACHMENTS.count(view) == 0


def test_operator_denied_is_audited_and_changes_nothing(service: IamService,
                                                        root: Principal) -> None:
    """An IAM user with no policy may not create groups (IAM User Guide, "Policy evaluation
    logic": implicit deny); the attempt is audited as AccessDenied."""
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="iam:CreateGroup"):
        service.create_group(alice, "devs")
    assert GROUPS.count(service.store.snapshot()) == 0
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("CreateGroup", "AccessDenied")
    assert last["userIdentity"]["userName"] == "alice"


def test_operator_allowed_by_attached_iam_full_access(service: IamService,
                                                      root: Principal) -> None:
    """AWS managed IAMFullAccess allows iam:* (IAM User Guide, AWS managed policies)."""
    alice_user = service.create_user(root, "alice")
    with service.store.transaction() as tx:
        ATTACHMENTS.put(tx, PolicyAttachment("arn:aws:iam::aws:policy/IAMFullAccess", "user",
                                             "alice"))
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    service.create_group(alice, "devs")
    service.add_user_to_group(alice, "devs", "alice")
    assert [u.user_name for u in service.get_group(alice, "devs").users] == ["alice"]


def test_update_group_needs_permission_on_the_new_name(service: IamService,
                                                       root: Principal) -> None:
    """UpdateGroup is authorized on both the old and the new group ARN (IAM User Guide,
    "Renaming an IAM user group": the caller needs permission on both)."""
    service.create_group(root, "devs")
    alice_user = service.create_user(root, "alice")
    service.put_user_policy(root, "alice", "only-devs", (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:UpdateGroup",'
        f'"Resource":"arn:aws:iam::{ACCOUNT_ID}:group/devs"}}]}}'))
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    with pytest.raises(AccessDenied, match="group/ops"):
        service.update_group(alice, "devs", new_group_name="ops")
    assert service.get_group(root, "devs").group.group_name == "devs"


def test_group_policies_reach_members(service: IamService, root: Principal) -> None:
    """A user's identity-based policies include those of its groups (IAM User Guide,
    "IAM user groups"): a group inline policy lets a member act."""
    service.create_group(root, "listers")
    bob = Principal.for_user(service.create_user(root, "bob"), ACCOUNT_ID)
    with pytest.raises(AccessDenied):
        service.list_groups(bob)
    service.put_group_policy(root, "listers", "list", (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListGroups",'
        '"Resource":"*"}]}'))
    service.add_user_to_group(root, "listers", "bob")
    assert [g.group_name for g in service.list_groups(bob)] == ["listers"]
    service.remove_user_from_group(root, "listers", "bob")
    with pytest.raises(AccessDenied):
        service.list_groups(bob)


def test_cascade_authorizes_each_removal(service: IamService, root: Principal) -> None:
    """The cascade does what the caller could do by hand, no more: each removal is
    authorized as its own IAM action (RemoveUserFromGroup, DeleteGroupPolicy,
    DetachGroupPolicy with iam:PolicyARN; Service Authorization Reference, IAM), and a
    denied step leaves everything in place."""
    service.create_group(root, "devs")
    service.create_user(root, "bob")
    service.add_user_to_group(root, "devs", "bob")
    service.put_group_policy(root, "devs", "s3", ALLOW_S3)
    alice_user = service.create_user(root, "alice")
    alice = Principal.for_user(alice_user, ACCOUNT_ID)

    def grant(*actions: str) -> None:
        listed = ",".join(f'"iam:{a}"' for a in actions)
        service.put_user_policy(root, "alice", "ops", (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            f'"Action":[{listed}],"Resource":"*"}}]}}'))

    grant("DeleteGroup")
    with pytest.raises(AccessDenied, match="iam:RemoveUserFromGroup"):
        service.delete_group(alice, "devs", cascade=True)
    grant("DeleteGroup", "RemoveUserFromGroup")
    with pytest.raises(AccessDenied, match="iam:DeleteGroupPolicy"):
        service.delete_group(alice, "devs", cascade=True)
    assert [u.user_name for u in service.get_group(root, "devs").users] == ["bob"]
    assert service.list_group_policies(root, "devs") == ["s3"]
    grant("DeleteGroup", "RemoveUserFromGroup", "DeleteGroupPolicy")
    service.delete_group(alice, "devs", cascade=True)
    assert GROUPS.count(service.store.snapshot()) == 0
