"""A seeded, AWS-shaped account and requests against it, for the engine benchmark.

`account(seed, users=1000, ...)` returns what `aws iam get-account-authorization-details`
prints (UserDetailList, GroupDetailList, RoleDetailList, Policies), with customer
managed policies that use wildcards, conditions and policy variables, and some users
and roles with permissions boundaries. `requests(account, n, seed)` draws questions.
`seed_store(folder, users=...)` imports that account into a new store in `folder`, the
way the benchmarks that time the service over it (who-can, escalation, the TUI) start.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

ACCOUNT_ID = "123456789012"
ROOT_PASSWORD = "Bench!Passw0rd#1"
SERVICES = {
    "s3": ["GetObject", "PutObject", "DeleteObject", "ListBucket", "GetBucketPolicy",
           "PutBucketPolicy", "GetObjectTagging"],
    "ec2": ["DescribeInstances", "StartInstances", "StopInstances", "TerminateInstances",
            "DescribeVolumes", "CreateTags"],
    "iam": ["CreateUser", "DeleteUser", "GetUser", "ListUsers", "PassRole", "AttachUserPolicy",
            "CreateAccessKey"],
    "dynamodb": ["GetItem", "PutItem", "Query", "Scan", "DeleteItem"],
    "sqs": ["SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueAttributes"],
    "kms": ["Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey"],
    "lambda": ["InvokeFunction", "GetFunction", "UpdateFunctionCode"],
}
TEAMS = ["red", "blue", "green", "ops", "data"]


def _resource(rng: random.Random, service: str, *, pattern: bool) -> str:
    name = f"{rng.choice(TEAMS)}-{rng.randint(1, 20)}"
    star = "*" if pattern and rng.random() < 0.5 else ""
    if service == "s3":
        if pattern and rng.random() < 0.3:
            return f"arn:aws:s3:::{name}/home/${{aws:username}}/*"
        return f"arn:aws:s3:::{name}{star or '/' + str(rng.randint(1, 50))}" if not star \
            else f"arn:aws:s3:::{name}/*"
    if service == "ec2":
        return f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:instance/i-{rng.randint(1000, 9999)}{star}"
    if service == "iam":
        if pattern and rng.random() < 0.3:
            return f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}"
        user = f"team/{name}" if rng.random() < .5 else name
        return f"arn:aws:iam::{ACCOUNT_ID}:user/{user}{star}"
    if service == "dynamodb":
        return f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/{name}{star}"
    if service == "sqs":
        return f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:{name}{star}"
    if service == "kms":
        return f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/{name}{star}"
    return f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{name}{star}"


def _condition(rng: random.Random) -> dict[str, Any]:
    choice = rng.randrange(7)
    if choice == 0:
        return {"StringEquals": {"aws:PrincipalTag/team": rng.choice(TEAMS)}}
    if choice == 1:
        return {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    if choice == 2:
        return {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.1.0/24"]}}
    if choice == 3:
        return {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "public/*"]}}
    if choice == 4:
        return {"NumericLessThan": {"aws:MultiFactorAuthAge": str(rng.choice([300, 3600]))}}
    if choice == 5:
        return {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}
    return {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "owner"]},
            "StringEqualsIfExists": {"aws:RequestedRegion": "us-east-1"}}


def actions_of(rng: random.Random, service: str, verbs: list[str], effect: str, *,
               prefix_rate: float, not_action_rate: float) -> dict[str, Any]:
    """A statement's Effect and its Action (NotAction, at `not_action_rate`, for an Allow):
    one to four of `verbs`, one in ten as `service:*` and some as a three-letter prefix
    wildcard (`s3:Get*`) up to `prefix_rate`. Both workloads draw their actions here."""
    actions = []
    for _ in range(rng.randint(1, 4)):
        verb = rng.choice(verbs)
        roll = rng.random()
        actions.append(f"{service}:*" if roll < 0.1 else
                       f"{service}:{verb[:3]}*" if roll < prefix_rate else f"{service}:{verb}")
    key = "NotAction" if effect == "Allow" and rng.random() < not_action_rate else "Action"
    return {"Effect": effect, key: actions if len(actions) > 1 else actions[0]}


def attacher(rng: random.Random, managed: list[str]) -> Callable[[int], list[dict[str, str]]]:
    """`attached(k)`: k of the `managed` policy ARNs, drawn at random, as an entity's
    AttachedManagedPolicies."""
    def attached(k: int) -> list[dict[str, str]]:
        return [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a}
                for a in rng.sample(managed, k)]
    return attached


def _statement(rng: random.Random, effect: str) -> dict[str, Any]:
    service = rng.choice(list(SERVICES))
    st = actions_of(rng, service, SERVICES[service], effect, prefix_rate=0.35,
                    not_action_rate=0.03)
    resources = [_resource(rng, service, pattern=True) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.15:
        resources = ["*"]
    st["Resource"] = resources
    if rng.random() < 0.35:
        st["Condition"] = _condition(rng)
    return st


def _document(rng: random.Random, statements: int, deny_rate: float = 0.15) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        _statement(rng, "Deny" if rng.random() < deny_rate else "Allow")
        for _ in range(statements)]}


def _boundary(rng: random.Random) -> dict[str, Any]:
    services = rng.sample(list(SERVICES), 4)
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"{s}:*" for s in services], "Resource": "*"}]}


def account(seed: int = 7, *, users: int = 1000, groups: int = 50, roles: int = 100,
            policies: int = 300, boundaries: int = 10) -> dict[str, Any]:
    """The `get-account-authorization-details` JSON of a made-up account."""
    rng = random.Random(seed)
    policy_list = []
    for i in range(policies + boundaries):
        name = f"policy-{i}" if i < policies else f"boundary-{i - policies}"
        doc = _document(rng, rng.randint(1, 6)) if i < policies else _boundary(rng)
        policy_list.append({
            "PolicyName": name, "PolicyId": f"ANPA{i:017d}", "Arn":
            f"arn:aws:iam::{ACCOUNT_ID}:policy/{name}", "Path": "/", "DefaultVersionId": "v1",
            "AttachmentCount": 0, "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
            "CreateDate": "2024-01-01T00:00:00Z", "UpdateDate": "2024-01-01T00:00:00Z",
            "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": True,
                                   "CreateDate": "2024-01-01T00:00:00Z"}]})
    managed = [p["Arn"] for p in policy_list[:policies]]
    boundary_arns = [p["Arn"] for p in policy_list[policies:]]
    attached = attacher(rng, managed)

    group_list = [{
        "GroupName": f"group-{g}", "GroupId": f"AGPA{g:017d}", "Path": "/",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:group/group-{g}", "CreateDate": "2024-01-01T00:00:00Z",
        "GroupPolicyList": ([{"PolicyName": "inline", "PolicyDocument": _document(rng, 2)}]
                            if rng.random() < 0.3 else []),
        "AttachedManagedPolicies": attached(rng.randint(1, 3))} for g in range(groups)]
    user_list = []
    for u in range(users):
        user: dict[str, Any] = {
            "UserName": f"user-{u}", "UserId": f"AIDA{u:017d}", "Path": "/",
            "Arn": f"arn:aws:iam::{ACCOUNT_ID}:user/user-{u}",
            "CreateDate": "2024-01-01T00:00:00Z",
            "GroupList": [g["GroupName"] for g in rng.sample(group_list, rng.randint(1, 3))],
            "AttachedManagedPolicies": attached(rng.randint(0, 2)),
            "UserPolicyList": ([{"PolicyName": "own", "PolicyDocument": _document(rng, 2)}]
                               if rng.random() < 0.2 else []),
            "Tags": [{"Key": "team", "Value": rng.choice(TEAMS)}]}
        if rng.random() < 0.1:
            arn = rng.choice(boundary_arns)
            user["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                           "PermissionsBoundaryArn": arn}
        user_list.append(user)
    role_list = []
    for r in range(roles):
        role: dict[str, Any] = {
            "RoleName": f"role-{r}", "RoleId": f"AROA{r:017d}", "Path": "/",
            "Arn": f"arn:aws:iam::{ACCOUNT_ID}:role/role-{r}",
            "CreateDate": "2024-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                 "Action": "sts:AssumeRole"}]},
            "RolePolicyList": ([{"PolicyName": "own", "PolicyDocument": _document(rng, 3)}]
                               if rng.random() < 0.5 else []),
            "AttachedManagedPolicies": attached(rng.randint(1, 4)), "Tags": []}
        if rng.random() < 0.2:
            role["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                           "PermissionsBoundaryArn": rng.choice(boundary_arns)}
        role_list.append(role)
    return {"UserDetailList": user_list, "GroupDetailList": group_list,
            "RoleDetailList": role_list, "Policies": policy_list}


def requests(details: dict[str, Any], n: int = 10_000, seed: int = 11) -> list[dict[str, Any]]:
    """`n` questions: a principal ARN, an action, a resource and a context."""
    rng = random.Random(seed)
    principals = [u["Arn"] for u in details["UserDetailList"]] + \
                 [r["Arn"] for r in details["RoleDetailList"]]
    out = []
    for _ in range(n):
        arn = rng.choice(principals)
        name = arn.rsplit("/", 1)[1]
        service = rng.choice(list(SERVICES))
        resource = _resource(rng, service, pattern=False)
        if service == "s3" and rng.random() < 0.3:
            resource = f"arn:aws:s3:::{rng.choice(TEAMS)}-{rng.randint(1, 20)}/home/{name}/f.txt"
        if service == "iam" and rng.random() < 0.3:
            resource = f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"
        context = [{"ContextKeyName": "aws:username", "ContextKeyValues": [name],
                    "ContextKeyType": "string"}]
        if rng.random() < 0.7:
            context.append({"ContextKeyName": "aws:PrincipalTag/team",
                            "ContextKeyValues": [rng.choice(TEAMS)], "ContextKeyType": "string"})
        if rng.random() < 0.5:
            context.append({"ContextKeyName": "aws:MultiFactorAuthPresent",
                            "ContextKeyValues": [rng.choice(["true", "false"])],
                            "ContextKeyType": "boolean"})
        if rng.random() < 0.4:
            context.append({"ContextKeyName": "aws:SourceIp", "ContextKeyValues":
                            [rng.choice(["10.1.2.3", "192.168.1.7", "203.0.113.9"])],
                            "ContextKeyType": "ip"})
        if rng.random() < 0.3:
            context.append({"ContextKeyName": "aws:MultiFactorAuthAge",
                            "ContextKeyValues": [str(rng.choice([60, 1000, 7200]))],
                            "ContextKeyType": "numeric"})
        if rng.random() < 0.3:
            context.append({"ContextKeyName": "aws:CurrentTime", "ContextKeyValues":
                            [rng.choice(["2026-11-28T06:00:00Z", "2027-02-01T00:00:00Z"])],
                            "ContextKeyType": "date"})
        if rng.random() < 0.2:
            context.append({"ContextKeyName": "aws:TagKeys", "ContextKeyValues":
                            rng.sample(["env", "owner", "cost"], rng.randint(0, 2)),
                            "ContextKeyType": "stringList"})
        if service == "s3" and rng.random() < 0.3:
            context.append({"ContextKeyName": "s3:prefix", "ContextKeyValues":
                            [rng.choice([f"home/{name}/docs", "public/x", "private/"])],
                            "ContextKeyType": "string"})
        verb = rng.choice(SERVICES[service])
        action = f"{service}:{verb}" if rng.random() < .8 else f"{service}:{verb.upper()}"
        out.append({"caller": arn, "action": action, "resource": resource, "context": context})
    return out


if __name__ == "__main__":
    print(json.dumps(account(users=3, groups=2, roles=2, policies=4, boundaries=1), indent=2))


def seed_store(folder: Path, *, users: int = 1000, root_password: str = ROOT_PASSWORD,
               fast_hashing: bool = True, **sizes: int) -> tuple[Path, Path]:
    """A new store in `folder` holding `account(users=users, **sizes)`, imported through
    IamService (the root password hashed cheaply, unless a benchmark times signing in);
    returns its file and keys folder. Closed: a benchmark opens it as it needs."""
    from iamtui.security.passwords import use_fast_hashing
    from iamtui.service import IamService

    if fast_hashing:
        use_fast_hashing()
    details = account(users=users, **sizes)
    db, keys = folder / "db.json", folder / "keys"
    service = IamService.initialize(db, root_password=root_password, account_id=ACCOUNT_ID,
                                    keys_dir=keys)
    try:
        service.import_account_authorization_details(service.root_principal(), details)
    finally:
        service.close()
    return db, keys
