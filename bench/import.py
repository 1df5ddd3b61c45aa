"""Benchmark of import-account-authorization-details (python bench/import.py).

Builds a GetAccountAuthorizationDetails export of 5,000 users (each in a group, with an
attached customer policy, every tenth with an inline policy and tags), 300 groups, 200
roles and 100 customer managed policies, and imports it into a fresh store as one batch
through IamService (authorization, validation of every document, one transaction, one
audit event). Reports the median of several runs, and the export back.
Target (GitHub issue #3): a 5,000-user import in one batch under 2 s.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from iamtui.security.passwords import use_fast_hashing  # noqa: E402
from iamtui.service import IamService  # noqa: E402

ACCOUNT = "123456789012"
USERS, GROUPS, ROLES, POLICIES = 5_000, 300, 200, 100
STAMP = "2023-03-09 10:41:45+00:00"


def _doc(i: int) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{i}", "Effect": "Allow", "Action": [f"s3:Get{i % 7}*", "s3:List*"],
         "Resource": [f"arn:aws:s3:::bucket-{i}", f"arn:aws:s3:::bucket-{i}/*"]},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}


def export() -> dict[str, Any]:
    """A synthetic export in AWS's shape, boto3's timestamps included."""
    policy_arn = [f"arn:aws:iam::{ACCOUNT}:policy/p{i}" for i in range(POLICIES)]
    users = [{
        "Path": "/", "UserName": f"user{i}", "UserId": f"AIDA{i:017d}",
        "Arn": f"arn:aws:iam::{ACCOUNT}:user/user{i}", "CreateDate": STAMP,
        "GroupList": [f"group{i % GROUPS}"],
        **({"UserPolicyList": [{"PolicyName": "own", "PolicyDocument": _doc(i)}]}
           if i % 10 == 0 else {}),
        "AttachedManagedPolicies": [{"PolicyName": f"p{i % POLICIES}",
                                     "PolicyArn": policy_arn[i % POLICIES]}],
        "Tags": [{"Key": "team", "Value": str(i % 13)}] if i % 10 == 0 else []}
        for i in range(USERS)]
    groups = [{
        "Path": "/", "GroupName": f"group{i}", "GroupId": f"AGPA{i:017d}",
        "Arn": f"arn:aws:iam::{ACCOUNT}:group/group{i}", "CreateDate": STAMP,
        "GroupPolicyList": [], "AttachedManagedPolicies": [
            {"PolicyName": "ReadOnlyAccess",
             "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}
        for i in range(GROUPS)]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action":
             "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}
    roles = [{
        "Path": "/", "RoleName": f"role{i}", "RoleId": f"AROA{i:017d}",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/role{i}", "CreateDate": STAMP,
        "AssumeRolePolicyDocument": trust, "InstanceProfileList": [],
        "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": _doc(i)}],
        "AttachedManagedPolicies": [], "Tags": [], "RoleLastUsed": {}}
        for i in range(ROLES)]
    policies = [{
        "PolicyName": f"p{i}", "PolicyId": f"ANPA{i:017d}", "Arn": policy_arn[i],
        "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 0,
        "PermissionsBoundaryUsageCount": 0, "IsAttachable": True, "CreateDate": STAMP,
        "UpdateDate": STAMP, "PolicyVersionList": [
            {"Document": _doc(i), "VersionId": "v1", "IsDefaultVersion": True,
             "CreateDate": STAMP}]}
        for i in range(POLICIES)]
    return {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles,
            "Policies": policies}


def main() -> None:
    """Import the export into fresh stores; print the medians."""
    use_fast_hashing()  # init hashes the root password once; the import hashes nothing
    data = export()
    imports, cpu, exports = [], [], []
    for run in range(5):
        with tempfile.TemporaryDirectory() as tmp:
            svc = IamService.initialize(Path(tmp) / "db" / "iamtui.json",
                                        root_password="Bench$Root-Passw0rd",
                                        account_id=ACCOUNT, keys_dir=Path(tmp) / "keys")
            root = svc.root_principal()
            start, start_cpu = time.perf_counter(), time.process_time()
            summary = svc.import_account_authorization_details(root, data)
            imports.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            start = time.perf_counter()
            out = svc.get_account_authorization_details(root)
            exports.append(time.perf_counter() - start)
            svc.close()
            if run == 0:
                size = len(json.dumps(data)) / 1e6
                print(f"export: {summary.users} users, {summary.groups} groups, "
                      f"{summary.roles} roles, {summary.policies} policies "
                      f"({size:.1f} MB of JSON); exported back {len(out['UserDetailList'])} "
                      "users")
    print(f"import, one batch (median of {len(imports)}): "
          f"{statistics.median(imports) * 1000:.0f} ms wall, "
          f"{statistics.median(cpu) * 1000:.0f} ms CPU   target < 2000 ms")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"get-account-authorization-details (median): "
          f"{statistics.median(exports) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
