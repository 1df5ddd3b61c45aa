"""IamService user operations, authorization of operators, and their audit events.

Semantics from the IAM API reference (CreateUser, GetUser, ListUsers, UpdateUser,
DeleteUser, TagUser, UntagUser) and the IAM User Guide ("Policy evaluation logic").
"""

from __future__ import annotations

import pytest
from helpers import ACCOUNT_ID

from iamtui.errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    InvalidClientTokenId,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import GroupMembership, PolicyAttachment, Tag
from iamtui.service import IamService, Principal
from iamtui.service.tables import ATTACHMENTS, MEMBERSHIPS, USERS


def test_create_get_list_user(service: IamService, root: Principal) -> None:
    user = service.create_user(root, "alice", path="/eng/", tags=[Tag("team", "red")])
    assert user.arn == f"arn:aws:iam::{ACCOUNT_ID}:user/eng/alice"
    assert user.user_id.startswith("AIDA") and len(user.user_id) == 21
    assert service.get_user(root, "ALICE") == user  # names are case-insensitive
    assert [u.user_name for u in service.list_users(root, path_prefix="/eng/")] == ["alice"]
    assert service.list_users(root, path_prefix="/ops/") == []


def test_user_names_are_unique_regardless_of_case(service: IamService, root: Principal) -> None:
    service.create_user(root, "Alice")
    with pytest.raises(EntityAlreadyExists, match="User with name alice already exists"):
        service.create_user(root, "alice")


def test_bad_names_are_refused_and_nothing_is_stored(service: IamService, root: Principal) -> None:
    with pytest.raises(ValidationError, match="userName"):
        service.create_user(root, "bad name")
    with pytest.raises(ValidationError):
        service.create_user(root, "x" * 65)
    assert USERS.count(service.store.snapshot()) == 0


def test_missing_user(service: IamService, root: Principal) -> None:
    with pytest.raises(NoSuchEntity, match="The user with name nobody cannot be found"):
        service.get_user(root, "nobody")


def test_operator_without_policies_is_denied_and_audited(service: IamService,
                                                         root: Principal) -> None:
    """Implicit deny: an IAM user with no policy may do nothing (Policy evaluation logic)."""
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    with pytest.raises(AccessDenied) as denied:
        service.create_user(alice, "bob")
    assert "iam:CreateUser" in denied.value.message
    assert f"arn:aws:iam::{ACCOUNT_ID}:user/bob" in denied.value.message
    assert USERS.find_one(service.store.snapshot(), "name", "bob") is None
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("CreateUser", "AccessDenied")
    assert last["userIdentity"]["userName"] == "alice"


def test_operator_allowed_by_an_attached_policy(service: IamService, root: Principal) -> None:
    alice_user = service.create_user(root, "alice")
    with service.store.transaction() as tx:  # attach AWS managed IAMFullAccess directly
        ATTACHMENTS.put(tx, PolicyAttachment("arn:aws:iam::aws:policy/IAMFullAccess", "user",
                                             "alice"))
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    assert service.create_user(alice, "bob").user_name == "bob"


def test_deleted_user_credentials_stop_working(service: IamService, root: Principal) -> None:
    alice = Principal.for_user(service.create_user(root, "alice"), ACCOUNT_ID)
    service.delete_user(root, "alice")
    with pytest.raises(InvalidClientTokenId):
        service.list_users(alice)


def test_rename_moves_memberships(service: IamService, root: Principal) -> None:
    service.create_user(root, "alice")
    with service.store.transaction() as tx:
        MEMBERSHIPS.put(tx, GroupMembership("admins", "alice"))
    renamed = service.update_user(root, "alice", new_user_name="alicia", new_path="/ops/")
    assert renamed.arn == f"arn:aws:iam::{ACCOUNT_ID}:user/ops/alicia"
    view = service.store.snapshot()
    assert [m.user_name for m in MEMBERSHIPS.find_by(view, "group", "admins")] == ["alicia"]


def test_delete_conflict_then_cascade(service: IamService, root: Principal) -> None:
    """DeleteUser fails while the user is in a group; the cascade removes that first."""
    service.create_user(root, "alice")
    with service.store.transaction() as tx:
        MEMBERSHIPS.put(tx, GroupMembership("admins", "alice"))
    with pytest.raises(DeleteConflict, match="remove user from all groups"):
        service.delete_user(root, "alice")
    assert service.get_user(root, "alice")
    service.delete_user(root, "alice", cascade=True)
    view = service.store.snapshot()
    assert USERS.count(view) == 0 and MEMBERSHIPS.count(view) == 0


def test_tags(service: IamService, root: Principal) -> None:
    service.create_user(root, "alice", tags=[Tag("team", "red")])
    service.tag_user(root, "alice", [Tag("TEAM", "blue"), Tag("env", "prod")])
    assert {(t.key, t.value) for t in service.list_user_tags(root, "alice")} == {
        ("TEAM", "blue"), ("env", "prod")}
    service.untag_user(root, "alice", ["team"])
    assert [t.key for t in service.list_user_tags(root, "alice")] == ["env"]
    with pytest.raises(LimitExceeded):
        service.tag_user(root, "alice", [Tag(f"k{i}", "v") for i in range(50)])


def test_principal_tag_conditions_apply_to_operators(service: IamService,
                                                     root: Principal) -> None:
    """aws:PrincipalTag/<key> comes from the caller's tags (IAM User Guide, Variables and
    tags; "Controlling access for IAM principals")."""
    user = service.create_user(root, "alice", tags=[Tag("team", "red")])
    policy = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers",'
              '"Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}}]}')
    from iamtui.model import InlinePolicy
    from iamtui.service.tables import INLINE_POLICIES

    with service.store.transaction() as tx:
        INLINE_POLICIES.put(tx, InlinePolicy("user", "alice", "list", policy))
    alice = Principal.for_user(user, ACCOUNT_ID)
    assert [u.user_name for u in service.list_users(alice)] == ["alice"]
    service.tag_user(root, "alice", [Tag("team", "blue")])
    with pytest.raises(AccessDenied):
        service.list_users(alice)


def test_audit_chain_verifies_after_operations(service: IamService, root: Principal) -> None:
    service.create_user(root, "alice")
    service.delete_user(root, "alice")
    head = service.store.snapshot().meta["audit_head"]
    result = service.audit.verify()
    assert result.ok and result.head.sequence == head[0] == 3
