"""A seeded account at AWS's largest IAM quotas, as store records (table -> key -> record).

5,000 users, 300 groups, 5,000 roles, 5,000 customer managed policies whose
documents are 1-2 KB, with 1-3 versions each. Record shapes follow the AWS API's
(GetUser, GetRole, GetPolicy, GetPolicyVersion); the exact model may differ.
"""

from __future__ import annotations

import json
import random
from typing import Any

ACCOUNT = "123456789012"
USERS, GROUPS, ROLES, POLICIES = 5000, 300, 5000, 5000
SERVICES = ["s3", "ec2", "dynamodb", "sqs", "sns", "lambda", "kms", "logs", "iam", "sts"]
VERBS = ["Get", "Put", "List", "Describe", "Create", "Delete", "Update", "Tag"]

Tables = dict[str, dict[str, dict[str, Any]]]


def _uid(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(17))


def _document(rng: random.Random) -> str:
    """A policy document of roughly 1-2 KB."""
    statements = []
    while len(json.dumps(statements)) < rng.randint(900, 1900):
        svc = rng.choice(SERVICES)
        statements.append({
            "Sid": f"S{len(statements)}",
            "Effect": rng.choice(["Allow", "Allow", "Deny"]),
            "Action": [f"{svc}:{rng.choice(VERBS)}{rng.choice(['Object', 'Item', '*'])}"
                       for _ in range(rng.randint(1, 4))],
            "Resource": [f"arn:aws:{svc}:::res-{rng.randrange(10**6)}/*"],
        })
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def user(rng: random.Random, i: int, groups: int = GROUPS) -> dict[str, Any]:
    """The record of user number `i`."""
    name = f"user-{i:05d}"
    return {
        "UserName": name,
        "UserId": _uid(rng, "AIDA"),
        "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "Path": "/",
        "CreateDate": "2026-01-01T00:00:00Z",
        "Groups": [f"group-{rng.randrange(groups):03d}" for _ in range(rng.randint(0, 3))],
        "AttachedPolicies": [f"policy-{rng.randrange(POLICIES):05d}" for _ in range(2)],
        "Tags": [{"Key": "team", "Value": rng.choice(["a", "b", "c"])}],
        "PasswordHash": "$argon2id$v=19$m=65536,t=3,p=4$" + "x" * 70,
    }


def account(seed: int = 1) -> Tables:
    """The whole account, deterministic for a seed."""
    rng = random.Random(seed)
    tables: Tables = {"users": {}, "groups": {}, "roles": {}, "policies": {}, "policy_versions": {}}
    for i in range(USERS):
        rec = user(rng, i)
        tables["users"][rec["UserId"]] = rec
    for i in range(GROUPS):
        name = f"group-{i:03d}"
        gid = _uid(rng, "AGPA")
        tables["groups"][gid] = {"GroupName": name, "GroupId": gid, "Path": "/",
                                 "Arn": f"arn:aws:iam::{ACCOUNT}:group/{name}"}
    for i in range(ROLES):
        name = f"role-{i:05d}"
        rid = _uid(rng, "AROA")
        tables["roles"][rid] = {
            "RoleName": name, "RoleId": rid, "Path": "/service-role/",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/service-role/{name}",
            "AssumeRolePolicyDocument": json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                               "Principal": {"Service": f"{rng.choice(SERVICES)}.amazonaws.com"}}],
            }),
            "MaxSessionDuration": 3600,
        }
    for i in range(POLICIES):
        name = f"policy-{i:05d}"
        pid = _uid(rng, "ANPA")
        versions = rng.randint(1, 3)
        tables["policies"][pid] = {
            "PolicyName": name, "PolicyId": pid, "Path": "/",
            "Arn": f"arn:aws:iam::{ACCOUNT}:policy/{name}",
            "DefaultVersionId": f"v{versions}", "AttachmentCount": rng.randint(0, 20),
        }
        for v in range(1, versions + 1):
            tables["policy_versions"][f"{pid}/v{v}"] = {
                "PolicyId": pid, "VersionId": f"v{v}", "IsDefaultVersion": v == versions,
                "Document": _document(rng), "CreateDate": "2026-01-01T00:00:00Z",
            }
    return tables
