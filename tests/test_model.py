"""Entities of iamtui.model: record round-trips and the AWS JSON shapes.

References (IAM API Reference data types and AWS CLI examples):
- User: https://docs.aws.amazon.com/IAM/latest/APIReference/API_User.html
  and `aws iam get-user` https://docs.aws.amazon.com/cli/latest/reference/iam/get-user.html
- Role: https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html
  and `aws iam get-role` https://docs.aws.amazon.com/cli/latest/reference/iam/get-role.html
- Policy: https://docs.aws.amazon.com/IAM/latest/APIReference/API_Policy.html
- AccessKeyMetadata, LoginProfile, PolicyVersion, AttachedPermissionsBoundary.
Real shapes are also checked against /work/shared/data's get-account-authorization-details
export (cloudsplaining example, BSD-3-Clause).
"""

from __future__ import annotations

import dataclasses
import json
import string
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamtui import model
from iamtui.model import (
    AccessKey,
    Account,
    Group,
    InlinePolicy,
    LoginProfile,
    ManagedPolicy,
    PolicyVersion,
    Role,
    RoleLastUsed,
    Tag,
    User,
    VirtualMfaDevice,
    to_aws,
)

EXPORT = Path("/work/shared/data/authz-details-cloudsplaining-example.json")

# ------------------------------------------------- strategies from type hints

aware_datetimes = st.datetimes(
    min_value=datetime(1970, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=7))]
    ),
)
short_text = st.text(alphabet=string.printable + "éß漢", max_size=20)


def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    """A hypothesis strategy for a model field type, built from its hint."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in args if a is not type(None)]
        return st.none() | strategy_for(inner)
    if origin is tuple:
        return st.lists(strategy_for(args[0]), max_size=3).map(tuple)
    if origin is Literal:
        return st.sampled_from(args)
    if tp is datetime:
        return aware_datetimes
    if tp is str:
        return short_text
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(min_value=-(2**53), max_value=2**53)
    if dataclasses.is_dataclass(tp):
        return entity_strategy(tp)
    raise TypeError(tp)


def entity_strategy(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    return st.builds(cls, **{f.name: strategy_for(hints[f.name]) for f in dataclasses.fields(cls)})


any_entity = st.one_of([entity_strategy(cls) for cls in model.ENTITY_TYPES])


# ----------------------------------------------------------------- records


@given(entity=any_entity)
def test_every_entity_round_trips_through_json(entity: model.Record) -> None:
    record = entity.to_record()
    text = json.dumps(record)  # JSON-able: no datetimes, tuples or objects left
    again = type(entity).from_record(json.loads(text))
    assert again == entity
    assert type(entity).from_record(orjson.loads(orjson.dumps(record))) == entity


@given(entity=any_entity)
def test_record_timestamps_are_iso_z(entity: model.Record) -> None:
    for f in dataclasses.fields(entity):  # type: ignore[arg-type]
        value = getattr(entity, f.name)
        if isinstance(value, datetime):
            text = entity.to_record()[f.name]
            assert text.endswith("Z") and "+" not in text
            assert datetime.fromisoformat(text) == value


def test_every_entity_type_is_covered() -> None:
    defined = {
        obj
        for obj in vars(model).values()
        if isinstance(obj, type) and issubclass(obj, model.Record) and obj is not model.Record
    }
    assert defined == set(model.ENTITY_TYPES)


def test_entities_are_frozen_and_slotted() -> None:
    for cls in model.ENTITY_TYPES:
        assert "__slots__" in vars(cls), cls
        assert cls.__dataclass_params__.frozen, cls  # type: ignore[attr-defined]
    user = User("bob", "AIDAEXAMPLE", "arn:aws:iam::123456789012:user/bob", datetime.now(UTC))
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.user_name = "alice"  # type: ignore[misc]


def test_timestamps_must_be_aware_and_become_utc() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Group("g", "AGPAEXAMPLE", "arn", datetime(2024, 1, 1))
    paris = timezone(timedelta(hours=1))
    group = Group("g", "AGPAEXAMPLE", "arn", datetime(2024, 1, 1, 13, 0, tzinfo=paris))
    assert group.create_date.tzinfo is UTC
    assert group.create_date.hour == 12
    assert group.to_record()["create_date"] == "2024-01-01T12:00:00Z"


def test_record_is_plain_json() -> None:
    user = User(
        "bob",
        "AIDAEXAMPLE",
        "arn:aws:iam::123456789012:user/bob",
        datetime(2023, 3, 9, 10, 41, 45, tzinfo=UTC),
        tags=(Tag("team", "red"),),
    )
    assert user.to_record() == {
        "user_name": "bob",
        "user_id": "AIDAEXAMPLE",
        "arn": "arn:aws:iam::123456789012:user/bob",
        "create_date": "2023-03-09T10:41:45Z",
        "path": "/",
        "permissions_boundary": None,
        "tags": [{"key": "team", "value": "red"}],
        "password_last_used": None,
    }


def test_from_record_uses_defaults_and_refuses_unknown_fields() -> None:
    rec = {
        "group_name": "g",
        "group_id": "AGPAX",
        "arn": "a",
        "create_date": "2024-01-01T00:00:00Z",
    }
    assert model.Group.from_record(rec).path == "/"
    with pytest.raises(ValueError, match="unknown fields"):
        model.Group.from_record({**rec, "colour": "blue"})
    with pytest.raises(ValueError):
        model.InlinePolicy.from_record(
            {"owner_kind": "bucket", "owner_name": "x", "policy_name": "p", "document": "{}"}
        )


def test_iso_z() -> None:
    tokyo = timezone(timedelta(hours=9))
    assert model.iso_z(datetime(2024, 5, 1, 9, 0, tzinfo=tokyo)) == "2024-05-01T00:00:00Z"
    assert (
        model.iso_z(datetime(2024, 5, 1, 0, 0, 0, 5, tzinfo=UTC)) == "2024-05-01T00:00:00.000005Z"
    )
    with pytest.raises(ValueError):
        model.iso_z(datetime(2024, 5, 1))


def test_parse_timestamp_accepts_boto3_form_and_refuses_naive() -> None:
    assert model.parse_timestamp("2023-03-09 10:41:45+00:00") == datetime(
        2023, 3, 9, 10, 41, 45, tzinfo=UTC
    )
    with pytest.raises(ValueError):
        model.parse_timestamp("2023-03-09T10:41:45")


def test_secrets_stay_out_of_repr() -> None:
    now = datetime.now(UTC)
    key = AccessKey("AKIAEXAMPLE", "bob", now, secret_digest="s3cr3t-digest")
    login = LoginProfile("bob", "argon2-hash", now, previous_hashes=("old-hash",))
    mfa = VirtualMfaDevice("arn:aws:iam::123456789012:mfa/bob", seed_ciphertext="cipher")
    assert "s3cr3t-digest" not in repr(key)
    assert "argon2-hash" not in repr(login) and "old-hash" not in repr(login)
    assert "cipher" not in repr(mfa)


def test_role_defaults() -> None:
    role = Role("r", "AROAEXAMPLE", "arn", datetime.now(UTC), "{}")
    assert role.max_session_duration == 3600
    assert role.path == "/"


# ------------------------------------------------------------------ AWS shapes

T = datetime(2019, 9, 21, 23, 3, 13, tzinfo=UTC)


def test_get_user_shape_matches_cli_example() -> None:
    # `aws iam get-user --user-name Paulo` example in the AWS CLI reference.
    paulo = User("Paulo", "AIDA123456789EXAMPLE", "arn:aws:iam::123456789012:user/Paulo", T)
    assert to_aws(paulo) == {
        "UserName": "Paulo",
        "Path": "/",
        "CreateDate": "2019-09-21T23:03:13+00:00",
        "UserId": "AIDA123456789EXAMPLE",
        "Arn": "arn:aws:iam::123456789012:user/Paulo",
    }


def test_user_optional_fields_in_api_order() -> None:
    user = User(
        "Paulo",
        "AIDA123456789EXAMPLE",
        "arn:aws:iam::123456789012:user/Paulo",
        T.replace(microsecond=123456),
        permissions_boundary="arn:aws:iam::aws:policy/PowerUserAccess",
        tags=(Tag("Dept", "Accounting"),),
        password_last_used=T + timedelta(days=3),
    )
    shape = to_aws(user)
    assert list(shape) == [
        "Path",
        "UserName",
        "UserId",
        "Arn",
        "CreateDate",
        "PasswordLastUsed",
        "PermissionsBoundary",
        "Tags",
    ]
    assert shape["CreateDate"] == "2019-09-21T23:03:13+00:00"  # whole seconds, as IAM returns
    assert shape["PasswordLastUsed"] == "2019-09-24T23:03:13+00:00"
    assert shape["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/PowerUserAccess",
    }
    assert shape["Tags"] == [{"Key": "Dept", "Value": "Accounting"}]
    # ListUsers does not return PermissionsBoundary or Tags.
    assert set(to_aws(user, listing=True)) == {
        "Path",
        "UserName",
        "UserId",
        "Arn",
        "CreateDate",
        "PasswordLastUsed",
    }


TRUST = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
)


def test_get_role_shape_matches_cli_example() -> None:
    # `aws iam get-role --role-name Test-Role` example in the AWS CLI reference.
    role = Role(
        "Test-Role",
        "AROA1234567890EXAMPLE",
        "arn:aws:iam::123456789012:role/Test-Role",
        datetime(2019, 11, 13, 16, 45, 56, tzinfo=UTC),
        TRUST,
        description="Test Role",
        role_last_used=RoleLastUsed(datetime(2019, 11, 13, 17, 14, tzinfo=UTC), "us-east-1"),
    )
    assert to_aws(role) == {
        "Path": "/",
        "RoleName": "Test-Role",
        "RoleId": "AROA1234567890EXAMPLE",
        "Arn": "arn:aws:iam::123456789012:role/Test-Role",
        "CreateDate": "2019-11-13T16:45:56+00:00",
        "AssumeRolePolicyDocument": json.loads(TRUST),
        "Description": "Test Role",
        "MaxSessionDuration": 3600,
        "RoleLastUsed": {"LastUsedDate": "2019-11-13T17:14:00+00:00", "Region": "us-east-1"},
    }


def test_role_never_used_and_listing() -> None:
    role = Role("r", "AROAEXAMPLE", "arn:aws:iam::123456789012:role/r", T, TRUST)
    assert to_aws(role)["RoleLastUsed"] == {}
    assert "Description" not in to_aws(role)
    listed = to_aws(role, listing=True)
    assert "RoleLastUsed" not in listed and "Tags" not in listed
    # A trust policy that is not JSON is shown as the text it is.
    odd = dataclasses.replace(role, assume_role_policy_document="not json")
    assert to_aws(odd)["AssumeRolePolicyDocument"] == "not json"


def test_get_policy_shape() -> None:
    # `aws iam get-policy` example, plus PermissionsBoundaryUsageCount (API data type Policy).
    policy = ManagedPolicy(
        "MySamplePolicy",
        "Z27SI6FQMGNQ2EXAMPLE1",
        "arn:aws:iam::123456789012:policy/MySamplePolicy",
        datetime(2015, 6, 17, 19, 23, 32, tzinfo=UTC),
        datetime(2015, 6, 17, 19, 23, 32, tzinfo=UTC),
    )
    assert to_aws(policy) == {
        "PolicyName": "MySamplePolicy",
        "PolicyId": "Z27SI6FQMGNQ2EXAMPLE1",
        "Arn": "arn:aws:iam::123456789012:policy/MySamplePolicy",
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": 0,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": "2015-06-17T19:23:32+00:00",
        "UpdateDate": "2015-06-17T19:23:32+00:00",
    }
    described = dataclasses.replace(policy, description="Grants access", tags=(Tag("a", "b"),))
    assert to_aws(described)["Description"] == "Grants access"
    assert "Description" not in to_aws(described, listing=True)


def test_group_version_inline_key_login_shapes() -> None:
    group = Group("Admins", "AGPAEXAMPLE", "arn:aws:iam::123456789012:group/Admins", T)
    assert to_aws(group) == {
        "Path": "/",
        "GroupName": "Admins",
        "GroupId": "AGPAEXAMPLE",
        "Arn": "arn:aws:iam::123456789012:group/Admins",
        "CreateDate": "2019-09-21T23:03:13+00:00",
    }
    version = PolicyVersion("arn:aws:iam::123456789012:policy/P", "v2", TRUST, True, T)
    assert to_aws(version) == {
        "Document": json.loads(TRUST),
        "VersionId": "v2",
        "IsDefaultVersion": True,
        "CreateDate": "2019-09-21T23:03:13+00:00",
    }
    assert "Document" not in to_aws(version, listing=True)
    inline = InlinePolicy("role", "Test-Role", "S3", '{"Version": "2012-10-17"}')
    assert to_aws(inline) == {
        "RoleName": "Test-Role",
        "PolicyName": "S3",
        "PolicyDocument": {"Version": "2012-10-17"},
    }
    key = AccessKey("AKIAIOSFODNN7EXAMPLE", "Bob", T, secret_digest="d", status="Inactive")
    assert to_aws(key) == {
        "UserName": "Bob",
        "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "Status": "Inactive",
        "CreateDate": "2019-09-21T23:03:13+00:00",
    }
    assert model.aws_access_key_last_used(key) == {
        "UserName": "Bob",
        "AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"},
    }
    used = dataclasses.replace(
        key, last_used_date=T, last_used_service="iam", last_used_region="us-east-1"
    )
    assert model.aws_access_key_last_used(used)["AccessKeyLastUsed"] == {
        "LastUsedDate": "2019-09-21T23:03:13+00:00",
        "ServiceName": "iam",
        "Region": "us-east-1",
    }
    login = LoginProfile("Bob", "hash", T, password_reset_required=True)
    assert to_aws(login) == {
        "UserName": "Bob",
        "CreateDate": "2019-09-21T23:03:13+00:00",
        "PasswordResetRequired": True,
    }


def test_mfa_shapes_never_show_the_seed() -> None:
    device = VirtualMfaDevice(
        "arn:aws:iam::123456789012:mfa/Bob",
        seed_ciphertext="SECRET",
        enable_date=T,
        user_name="Bob",
    )
    assert model.aws_mfa_device(device) == {
        "UserName": "Bob",
        "SerialNumber": "arn:aws:iam::123456789012:mfa/Bob",
        "EnableDate": "2019-09-21T23:03:13+00:00",
    }
    bob = User("Bob", "AIDAEXAMPLE", "arn:aws:iam::123456789012:user/Bob", T)
    shape = model.aws_virtual_mfa_device(device, bob)
    assert shape["User"]["UserName"] == "Bob"
    assert "SECRET" not in json.dumps(shape) and "SECRET" not in json.dumps(to_aws(device))


def test_to_aws_refuses_entities_without_an_aws_structure() -> None:
    with pytest.raises(TypeError):
        to_aws(Account("123456789012", T))


# --------------------------------------------- against a real account export


@pytest.fixture(scope="module")
def export() -> dict[str, Any]:
    if not EXPORT.exists():
        pytest.skip("sample export not present")
    return json.loads(EXPORT.read_text())


def test_users_of_a_real_export_reproduce_their_shape(export: dict[str, Any]) -> None:
    for raw in export["UserDetailList"]:
        user = User(
            raw["UserName"],
            raw["UserId"],
            raw["Arn"],
            model.parse_timestamp(raw["CreateDate"]),
            path=raw["Path"],
            tags=tuple(Tag(t["Key"], t["Value"]) for t in raw["Tags"]),
        )
        expected = {k: raw[k] for k in ("Path", "UserName", "UserId", "Arn")}
        expected["CreateDate"] = raw["CreateDate"].replace(" ", "T")
        if raw["Tags"]:
            expected["Tags"] = raw["Tags"]
        assert to_aws(user) == expected


def test_roles_of_a_real_export_reproduce_their_shape(export: dict[str, Any]) -> None:
    for raw in export["RoleDetailList"]:
        last = raw["RoleLastUsed"]
        role = Role(
            raw["RoleName"],
            raw["RoleId"],
            raw["Arn"],
            model.parse_timestamp(raw["CreateDate"]),
            json.dumps(raw["AssumeRolePolicyDocument"]),
            path=raw["Path"],
            role_last_used=RoleLastUsed(
                model.parse_timestamp(last["LastUsedDate"]) if "LastUsedDate" in last else None,
                last.get("Region"),
            ),
        )
        shape = to_aws(role)
        for key in ("Path", "RoleName", "RoleId", "Arn", "AssumeRolePolicyDocument"):
            assert shape[key] == raw[key]
        assert shape["CreateDate"] == raw["CreateDate"].replace(" ", "T")
        assert shape["RoleLastUsed"] == {
            k: v.replace(" ", "T") if k == "LastUsedDate" else v for k, v in last.items()
        }


def test_policies_of_a_real_export_reproduce_their_shape(export: dict[str, Any]) -> None:
    for raw in export["Policies"]:
        policy = ManagedPolicy(
            raw["PolicyName"],
            raw["PolicyId"],
            raw["Arn"],
            model.parse_timestamp(raw["CreateDate"]),
            model.parse_timestamp(raw["UpdateDate"]),
            path=raw["Path"],
            default_version_id=raw["DefaultVersionId"],
            attachment_count=raw["AttachmentCount"],
            permissions_boundary_usage_count=raw["PermissionsBoundaryUsageCount"],
            is_attachable=raw["IsAttachable"],
        )
        expected = {k: v for k, v in raw.items() if k != "PolicyVersionList"}
        expected["CreateDate"] = raw["CreateDate"].replace(" ", "T")
        expected["UpdateDate"] = raw["UpdateDate"].replace(" ", "T")
        assert to_aws(policy, listing=True) == expected
        assert ManagedPolicy.from_record(policy.to_record()) == policy


SECRET = "\u2603SECRET\u2603"  # a marker no generated name can contain by chance


@given(
    key=entity_strategy(AccessKey),
    login=entity_strategy(LoginProfile),
    device=entity_strategy(VirtualMfaDevice),
)
def test_aws_shapes_never_carry_secrets(
    key: AccessKey, login: LoginProfile, device: VirtualMfaDevice
) -> None:
    key = dataclasses.replace(key, secret_digest=SECRET)
    login = dataclasses.replace(login, password_hash=SECRET, previous_hashes=(SECRET,))
    device = dataclasses.replace(device, seed_ciphertext=SECRET)
    shapes = [
        to_aws(key),
        model.aws_access_key_last_used(key),
        to_aws(login),
        to_aws(device),
        model.aws_mfa_device(device),
    ]
    assert SECRET not in json.dumps(shapes, ensure_ascii=False)
