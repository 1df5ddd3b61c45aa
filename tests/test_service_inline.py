"""IamService inline policies (one implementation for users, groups and roles) and
permissions boundaries on users and roles.

Semantics from the IAM API reference: PutUserPolicy, PutGroupPolicy, PutRolePolicy,
Get/Delete/List{User,Group,Role}Polic(y|ies), Put/Delete{User,Role}PermissionsBoundary
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutUserPolicy.html and siblings);
the IAM User Guide's "IAM and AWS STS quotas" (inline policy size: user 2,048, group
5,120, role 10,240 characters for all of an entity's inline policies together, white
space not counted) and "Permissions boundaries for IAM entities".
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from helpers import ACCOUNT_ID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamtui.arn import policy_size
from iamtui.errors import (
    AccessDenied,
    InvalidInput,
    LimitExceeded,
    MalformedPolicyDocument,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import ManagedPolicy, PolicyVersion
from iamtui.service import IamService, Principal
from iamtui.service.tables import INLINE_POLICIES, POLICIES, POLICY_VERSIONS, USERS

TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
QUOTAS = {"user": 2048, "group": 5120, "role": 10240}
KINDS = list(QUOTAS)


def allow(action: str, resource: str = "*") -> str:
    return ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            f'"Action":"{action}","Resource":"{resource}"}}]}}')


def sized(target: int) -> str:
    """An identity policy of exactly `target` characters without white space."""
    base = allow("s3:GetObject", "arn:aws:s3:::b/")
    assert target >= policy_size(base), f"no policy of {target} characters: the base is longer"
    filler = "k" * (target - policy_size(base))
    return allow("s3:GetObject", f"arn:aws:s3:::b/{filler}")


def make_owner(service: IamService, root: Principal, kind: str, name: str = "owner") -> None:
    if kind == "user":
        service.create_user(root, name)
    elif kind == "group":
        service.create_group(root, name)
    else:
        service.create_role(root, name, TRUST)


def call(service: IamService, verb: str, kind: str, *args: object) -> object:
    """service.<verb>_<kind>_polic(y|ies)(...), e.g. put_group_policy; get and delete go
    through get_owner_policy / delete_owner_policy, as the CLI and the TUI call them."""
    if verb in ("get", "delete"):
        caller, *rest = args
        return getattr(service, f"{verb}_owner_policy")(caller, kind, *rest)
    noun = "policies" if verb == "list" else "policy"
    return getattr(service, f"{verb}_{kind}_{noun}")(*args)


@pytest.mark.parametrize("kind", KINDS)
def test_put_get_list_delete(service: IamService, root: Principal, kind: str) -> None:
    """Put adds or replaces by name (names ignore case), Get returns the document, List the
    names, Delete removes (API reference: Put/Get/List/Delete<Kind>Policy)."""
    make_owner(service, root, kind, "Owner")
    call(service, "put", kind, root, "owner", "S3", allow("s3:*"))
    call(service, "put", kind, root, "OWNER", "iam", allow("iam:Get*"))
    assert call(service, "list", kind, root, "owner") == ["iam", "S3"]
    got = call(service, "get", kind, root, "owner", "s3")
    assert (got.owner_kind, got.owner_name, got.document) == (kind, "Owner", allow("s3:*"))
    call(service, "put", kind, root, "owner", "s3", allow("s3:List*"))
    assert call(service, "list", kind, root, "owner") == ["iam", "s3"]
    assert call(service, "get", kind, root, "owner", "S3").document == allow("s3:List*")
    call(service, "delete", kind, root, "owner", "S3")
    assert call(service, "list", kind, root, "owner") == ["iam"]
    with pytest.raises(NoSuchEntity, match=f"The {kind} policy with name s3 cannot be found"):
        call(service, "get", kind, root, "owner", "s3")
    with pytest.raises(NoSuchEntity, match=f"The {kind} policy with name s3 cannot be found"):
        call(service, "delete", kind, root, "owner", "s3")


@pytest.mark.parametrize("kind", KINDS)
def test_missing_owner(service: IamService, root: Principal, kind: str) -> None:
    with pytest.raises(NoSuchEntity, match=f"The {kind} with name ghost cannot be found"):
        call(service, "put", kind, root, "ghost", "p", allow("s3:*"))
    assert INLINE_POLICIES.count(service.store.snapshot()) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_aggregate_size_quota(service: IamService, root: Principal, kind: str) -> None:
    """All of an entity's inline policies together must fit its quota (IAM and AWS STS
    quotas: user 2,048, group 5,120, role 10,240; white space not counted); over it is
    LimitExceeded and the policy is not stored. Replacing a policy counts only its new
    version."""
    quota = QUOTAS[kind]
    make_owner(service, root, kind)
    half = quota // 2
    call(service, "put", kind, root, "owner", "a", sized(half))
    call(service, "put", kind, root, "owner", "b", sized(quota - half))  # exactly the quota
    with pytest.raises(LimitExceeded, match=f"Maximum policy size of {quota} bytes exceeded "
                                            f"for {kind} owner"):
        call(service, "put", kind, root, "owner", "c", sized(120))
    call(service, "put", kind, root, "owner", "a", sized(half - 10))  # replace: smaller
    with pytest.raises(LimitExceeded):
        call(service, "put", kind, root, "owner", "b", sized(quota - half + 11))
    assert call(service, "list", kind, root, "owner") == ["a", "b"]
    assert policy_size(call(service, "get", kind, root, "owner", "b").document) == \
        quota - half
    # white space does not count towards the quota
    call(service, "delete", kind, root, "owner", "b")
    padded = sized(quota - half).replace('","', '",' + " " * quota + '"')
    assert len(padded) > quota
    call(service, "put", kind, root, "owner", "c", padded)


def test_the_quotas_differ_by_kind(service: IamService, root: Principal) -> None:
    """A 3,000-character policy is too big for a user, fine for a group or role."""
    for kind in KINDS:
        make_owner(service, root, kind)
    with pytest.raises(LimitExceeded):
        service.put_user_policy(root, "owner", "big", sized(3000))
    service.put_group_policy(root, "owner", "big", sized(3000))
    service.put_role_policy(root, "owner", "big", sized(6000))


_users = itertools.count()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(min_value=110, max_value=900),  # 110: sized()'s base
                          st.integers(min_value=0, max_value=40)), min_size=1, max_size=5))
def test_size_quota_property(service: IamService, root: Principal,
                             sizes: list[tuple[int, int]]) -> None:
    """For any sequence of puts, each succeeds exactly when the user's inline policies,
    white space not counted, stay within 2,048 characters (IAM and AWS STS quotas)."""
    name = f"u{next(_users)}"
    service.create_user(root, name)
    stored: dict[str, int] = {}
    for i, (size, spaces) in enumerate(sizes):
        document = sized(size).replace('","', '",' + " " * spaces + '"')
        fits = sum(stored.values()) + size <= 2048
        if fits:
            service.put_user_policy(root, name, f"p{i}", document)
            stored[f"p{i}"] = size
        else:
            with pytest.raises(LimitExceeded):
                service.put_user_policy(root, name, f"p{i}", document)
    assert service.list_user_policies(root, name) == sorted(stored)


def test_malformed_document_reports_position(service: IamService, root: Principal) -> None:
    """PutUserPolicy checks the document as an identity-based policy: MalformedPolicyDocument
    (API reference: PutUserPolicy errors) with where the problem is; audited; not stored."""
    service.create_user(root, "alice")
    bad = '{"Version":"2012-10-17",\n "Statement":[{"Effect":"Allow","Action":"s3:*"}]}'
    with pytest.raises(MalformedPolicyDocument, match=r"Resource.*line 2"):
        service.put_user_policy(root, "alice", "p", bad)
    with pytest.raises(MalformedPolicyDocument, match="line 1"):
        service.put_user_policy(root, "alice", "p", '{"Version":')
    # an identity policy names no Principal
    with pytest.raises(MalformedPolicyDocument, match="Principal"):
        service.put_user_policy(root, "alice", "p", (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
            '"Action":"s3:*","Resource":"*"}]}'))
    assert INLINE_POLICIES.count(service.store.snapshot()) == 0
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("PutUserPolicy",
                                                      "MalformedPolicyDocument")


def test_bad_names_are_validation_errors(service: IamService, root: Principal) -> None:
    """PolicyName 1-128 of [\\w+=,.@-] (API reference: PutUserPolicy)."""
    service.create_user(root, "alice")
    with pytest.raises(ValidationError, match="policyName"):
        service.put_user_policy(root, "alice", "bad name", allow("s3:*"))
    with pytest.raises(ValidationError, match="userName"):
        service.put_user_policy(root, "bad name", "p", allow("s3:*"))
    assert INLINE_POLICIES.count(service.store.snapshot()) == 0


def test_operator_allowed_by_an_inline_policy_and_denied_otherwise(
        service: IamService, root: Principal) -> None:
    """An inline policy put as root lets a user act; outside it, the user is denied and
    the denial audited (IAM User Guide, "Policy evaluation logic")."""
    alice_user = service.create_user(root, "alice")
    service.create_user(root, "bob")
    service.put_user_policy(root, "alice", "bob-policies", allow(
        "iam:*UserPolic*", f"arn:aws:iam::{ACCOUNT_ID}:user/bob"))
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    service.put_user_policy(alice, "bob", "s3", allow("s3:*"))
    assert service.list_user_policies(alice, "bob") == ["s3"]
    with pytest.raises(AccessDenied, match="iam:PutUserPolicy"):
        service.put_user_policy(alice, "alice", "escalate", allow("*"))
    assert service.list_user_policies(root, "alice") == ["bob-policies"]
    last = service.audit.page(0, 1)[0]
    assert (last["eventName"], last["errorCode"]) == ("PutUserPolicy", "AccessDenied")
    assert last["userIdentity"]["userName"] == "alice"


def _customer_policy(service: IamService, name: str, document: str) -> str:
    arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/{name}"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with service.store.transaction() as tx:
        POLICIES.put(tx, ManagedPolicy(name, "ANPA" + "A" * 17, arn, now, now))
        POLICY_VERSIONS.put(tx, PolicyVersion(arn, "v1", document, True, now))
    return arn


@pytest.mark.parametrize("kind", ["user", "role"])
def test_permissions_boundary_limits_and_is_removed(service: IamService, root: Principal,
                                                    kind: str) -> None:
    """Put<Kind>PermissionsBoundary sets a managed policy (customer managed or AWS managed)
    as the boundary; effective permissions are the intersection with identity policies;
    Delete<Kind>PermissionsBoundary removes it (IAM User Guide, "Permissions boundaries
    for IAM entities")."""
    make_owner(service, root, kind)
    boundary = _customer_policy(service, "only-s3", allow("s3:*"))
    getattr(service, f"put_{kind}_permissions_boundary")(root, "owner", boundary)
    entity = (service.get_user(root, "owner") if kind == "user"
              else service.get_role(root, "owner"))
    assert entity.permissions_boundary == boundary
    getattr(service, f"put_{kind}_permissions_boundary")(
        root, "owner", "arn:aws:iam::aws:policy/ReadOnlyAccess")
    service.set_owner_boundary(root, kind, "owner", None)  # as the CLI and the TUI delete it
    entity = (service.get_user(root, "owner") if kind == "user"
              else service.get_role(root, "owner"))
    assert entity.permissions_boundary is None


def test_boundary_limits_an_operator(service: IamService, root: Principal) -> None:
    alice_user = service.create_user(root, "alice")
    service.put_user_policy(root, "alice", "all", allow("iam:*"))
    alice = Principal.for_user(alice_user, ACCOUNT_ID)
    assert [u.user_name for u in service.list_users(alice)] == ["alice"]
    service.put_user_permissions_boundary(root, "alice",
                                          _customer_policy(service, "s3", allow("s3:*")))
    with pytest.raises(AccessDenied, match="permissions boundary"):
        service.list_users(alice)


def test_boundary_must_exist_and_be_a_policy_arn(service: IamService, root: Principal) -> None:
    """The boundary is a managed policy's ARN (API reference: PutUserPermissionsBoundary:
    InvalidInput, NoSuchEntity); nothing changes on error."""
    service.create_user(root, "alice")
    with pytest.raises(NoSuchEntity, match="does not exist or is not attachable"):
        service.put_user_permissions_boundary(root, "alice",
                                              f"arn:aws:iam::{ACCOUNT_ID}:policy/none")
    with pytest.raises(NoSuchEntity):
        service.put_user_permissions_boundary(root, "alice", "arn:aws:iam::aws:policy/Nope")
    with pytest.raises(InvalidInput):
        service.put_user_permissions_boundary(root, "alice",
                                              f"arn:aws:iam::{ACCOUNT_ID}:user/alice")
    with pytest.raises(InvalidInput):
        service.put_user_permissions_boundary(root, "alice", "not-an-arn")
    assert USERS.find_one(service.store.snapshot(), "name", "alice").permissions_boundary \
        is None


def test_boundary_condition_key(service: IamService, root: Principal) -> None:
    """iam:PermissionsBoundary holds the boundary being set, so an administrator can allow
    setting only an approved one (IAM User Guide, "Permissions boundaries": delegating
    responsibility to others)."""
    approved = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    admin_user = service.create_user(root, "admin")
    service.create_user(root, "bob")
    service.put_user_policy(root, "admin", "delegate", (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":"iam:PutUserPermissionsBoundary","Resource":"*","Condition":'
        f'{{"StringEquals":{{"iam:PermissionsBoundary":"{approved}"}}}}}}]}}'))
    admin = Principal.for_user(admin_user, ACCOUNT_ID)
    with pytest.raises(AccessDenied):
        service.put_user_permissions_boundary(admin, "bob",
                                              "arn:aws:iam::aws:policy/AdministratorAccess")
    service.put_user_permissions_boundary(admin, "bob", approved)
    assert service.get_user(root, "bob").permissions_boundary == approved


def test_put_user_policy_sees_the_users_boundary(service: IamService, root: Principal) -> None:
    """For Put/DeleteUserPolicy, iam:PermissionsBoundary is the target user's boundary, so an
    administrator may edit only users held by an approved boundary (Service Authorization
    Reference, IAM condition keys; IAM User Guide, "Permissions boundaries": delegating
    responsibility to others)."""
    approved = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    admin_user = service.create_user(root, "admin")
    service.create_user(root, "bounded", permissions_boundary=approved)
    service.create_user(root, "free")
    service.put_user_policy(root, "admin", "delegate", (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PutUserPolicy",'
        '"Resource":"*","Condition":{"StringEquals":{"iam:PermissionsBoundary":'
        f'"{approved}"}}}}}}]}}'))
    admin = Principal.for_user(admin_user, ACCOUNT_ID)
    service.put_user_policy(admin, "bounded", "s3", allow("s3:*"))
    with pytest.raises(AccessDenied):
        service.put_user_policy(admin, "free", "s3", allow("s3:*"))
    assert service.list_user_policies(root, "free") == []
