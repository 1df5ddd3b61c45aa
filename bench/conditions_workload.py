"""A condition-heavy account, and requests shaped the way the service builds them.

`account(seed, users=1000)` returns `get-account-authorization-details` JSON: 1,000 users
in 1-5 of 60 groups, customer managed policies of which about 30% of the statements carry
conditions (StringEquals on `aws:username` and `aws:PrincipalTag/*`, StringLike with
`${aws:username}`, IpAddress and NotIpAddress on `aws:SourceIp`, Bool on
`aws:MultiFactorAuthPresent`), Resource patterns with `${aws:username}`, and permissions
boundaries on one user in ten.

`requests(account, n, seed)` draws questions as the service asks them: a user's ARN, an
action, a resource, and about eight context keys as AWS `ContextEntry` values (who the
caller is, its tags, `aws:SourceIp` typed `ip`, `aws:MultiFactorAuthPresent` and
`aws:SecureTransport` typed `boolean`, `s3:prefix` for some S3 requests). Three requests
in ten aim at a statement of the caller's own policies, so that about 41% are allowed.
"""

from __future__ import annotations

import random
from typing import Any

from workload import actions_of, attacher  # bench/ is on the path of every bench script

ACCOUNT_ID = "123456789012"
SERVICES = {
    "s3": ["GetObject", "PutObject", "DeleteObject", "ListBucket", "GetBucketPolicy",
           "GetObjectTagging", "PutObjectTagging", "GetBucketLocation"],
    "ec2": ["DescribeInstances", "StartInstances", "StopInstances", "TerminateInstances",
            "DescribeVolumes", "CreateTags", "DeleteTags", "RebootInstances"],
    "dynamodb": ["GetItem", "PutItem", "Query", "Scan", "DeleteItem", "UpdateItem",
                 "BatchGetItem", "DescribeTable"],
    "sqs": ["SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueAttributes",
            "PurgeQueue", "ListQueues"],
    "kms": ["Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey", "ScheduleKeyDeletion"],
    "lambda": ["InvokeFunction", "GetFunction", "UpdateFunctionCode", "DeleteFunction",
               "ListFunctions"],
    "logs": ["PutLogEvents", "CreateLogStream", "GetLogEvents", "DeleteLogGroup",
             "DescribeLogGroups"],
    "sns": ["Publish", "Subscribe", "Unsubscribe", "ListTopics", "DeleteTopic"],
    "iam": ["GetUser", "ChangePassword", "CreateAccessKey", "ListAccessKeys",
            "DeleteAccessKey", "ListUsers"],
}
TEAMS = ["red", "blue", "green", "ops", "data"]
PROJECTS = ["atlas", "borealis", "cygnus"]
NETWORKS = ["10.0.0.0/8", "192.168.1.0/24", "172.16.0.0/12"]
# Where requests come from: the office networks above and the internet around them.
ADDRESS_PREFIXES = ["10.{}.{}.{}", "192.168.1.{2}", "192.168.2.{2}", "172.{3}.{1}.{2}",
                    "203.0.113.{2}", "198.51.100.{2}"]


def _address(rng: random.Random) -> str:
    """A source address, most of them seen once (a service does not see few addresses)."""
    return rng.choice(ADDRESS_PREFIXES).format(
        rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254), rng.randint(12, 35))


def _resource_pattern(rng: random.Random, service: str) -> str:
    team = rng.choice(TEAMS)
    n = rng.randint(1, 8)
    roll = rng.random()
    if service == "s3":
        if roll < 0.25:
            return f"arn:aws:s3:::{team}-*/home/${{aws:username}}/*"
        if roll < 0.5:
            return f"arn:aws:s3:::{team}-{n}"
        return f"arn:aws:s3:::{team}-{n}/*"
    if service == "iam":
        return f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}" if roll < 0.6 else \
            f"arn:aws:iam::{ACCOUNT_ID}:user/{team}/*"
    star = "*" if roll < 0.5 else str(n)
    region = "us-east-1" if rng.random() < 0.8 else "*"
    return {
        "ec2": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:instance/i-{team}{star}",
        "dynamodb": f"arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{team}-{star}",
        "sqs": f"arn:aws:sqs:{region}:{ACCOUNT_ID}:{team}-{star}",
        "kms": f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{team}-{star}",
        "lambda": f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{team}-{star}",
        "logs": f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:/{team}/{star}:*",
        "sns": f"arn:aws:sns:{region}:{ACCOUNT_ID}:{team}-{star}",
    }[service]


def _condition(rng: random.Random, effect: str, user_names: list[str]) -> dict[str, Any]:
    if effect == "Deny":  # the usual guard rails: off the network, or without MFA
        if rng.random() < 0.5:
            return {"NotIpAddress": {"aws:SourceIp": rng.sample(NETWORKS, rng.randint(1, 2))}}
        return {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
    choice = rng.randrange(6)
    if choice == 0:
        return {"StringEquals": {"aws:PrincipalTag/team": rng.sample(TEAMS, rng.randint(1, 2))}}
    if choice == 1:
        return {"StringEquals": {"aws:username": rng.sample(user_names, rng.randint(1, 40))}}
    if choice == 2:
        return {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "public/*"]}}
    if choice == 3:
        return {"IpAddress": {"aws:SourceIp": rng.sample(NETWORKS, rng.randint(1, 2))}}
    if choice == 4:
        return {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return {"StringEquals": {"aws:PrincipalTag/project": rng.choice(PROJECTS)},
            "Bool": {"aws:MultiFactorAuthPresent": "true"}}


def _statement(rng: random.Random, effect: str, user_names: list[str]) -> dict[str, Any]:
    service = rng.choice(list(SERVICES))
    st = actions_of(rng, service, SERVICES[service], effect, prefix_rate=0.3,
                    not_action_rate=0.02)
    st["Resource"] = (["*"] if rng.random() < 0.15 else
                      [_resource_pattern(rng, service) for _ in range(rng.randint(1, 3))])
    if rng.random() < 0.3:
        st["Condition"] = _condition(rng, effect, user_names)
    return st


def _document(rng: random.Random, statements: int, user_names: list[str]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        _statement(rng, "Deny" if rng.random() < 0.1 else "Allow", user_names)
        for _ in range(statements)]}


def account(seed: int = 5, *, users: int = 1000, groups: int = 60, policies: int = 300,
            boundaries: int = 8) -> dict[str, Any]:
    """The `get-account-authorization-details` JSON of a made-up account."""
    rng = random.Random(seed)
    names = [f"user-{u}" for u in range(users)]
    policy_list = []
    for i in range(policies + boundaries):
        if i < policies:
            name, doc = f"policy-{i}", _document(rng, rng.randint(1, 6), names)
        else:
            name = f"boundary-{i - policies}"
            doc = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": [f"{s}:*" for s in
                                               rng.sample(list(SERVICES), 5)], "Resource": "*"}]}
        policy_list.append({
            "PolicyName": name, "PolicyId": f"ANPA{i:017d}",
            "Arn": f"arn:aws:iam::{ACCOUNT_ID}:policy/{name}", "Path": "/",
            "DefaultVersionId": "v1", "IsAttachable": True,
            "PolicyVersionList": [{"Document": doc, "VersionId": "v1",
                                   "IsDefaultVersion": True}]})
    managed = [p["Arn"] for p in policy_list[:policies]]
    boundary_arns = [p["Arn"] for p in policy_list[policies:]]
    attached = attacher(rng, managed)

    group_list = [{
        "GroupName": f"group-{g}", "GroupId": f"AGPA{g:017d}", "Path": "/",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:group/group-{g}",
        "GroupPolicyList": ([{"PolicyName": "inline", "PolicyDocument":
                              _document(rng, 2, names)}] if rng.random() < 0.3 else []),
        "AttachedManagedPolicies": attached(rng.randint(1, 3))} for g in range(groups)]
    user_list = []
    for u, name in enumerate(names):
        tags = [{"Key": "team", "Value": rng.choice(TEAMS)}]
        if rng.random() < 0.5:
            tags.append({"Key": "project", "Value": rng.choice(PROJECTS)})
        user: dict[str, Any] = {
            "UserName": name, "UserId": f"AIDA{u:017d}", "Path": "/",
            "Arn": f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
            "GroupList": [g["GroupName"] for g in rng.sample(group_list, rng.randint(1, 5))],
            "AttachedManagedPolicies": attached(rng.randint(0, 2)),
            "UserPolicyList": ([{"PolicyName": "own", "PolicyDocument":
                                 _document(rng, 2, names)}] if rng.random() < 0.2 else []),
            "Tags": tags}
        if rng.random() < 0.1:
            user["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                           "PermissionsBoundaryArn": rng.choice(boundary_arns)}
        user_list.append(user)
    return {"UserDetailList": user_list, "GroupDetailList": group_list,
            "RoleDetailList": [], "Policies": policy_list}


def identity_documents(details: dict[str, Any]) -> dict[str, tuple[list, list]]:
    """Each user's ARN -> ([(policy id, document)] identity, [(id, document)] boundary)."""
    managed = {p["Arn"]: p["PolicyVersionList"][0]["Document"] for p in details["Policies"]}
    groups = {g["GroupName"]: g for g in details["GroupDetailList"]}

    def attached(entity: dict[str, Any]) -> list[tuple[str, dict]]:
        return [(a["PolicyName"], managed[a["PolicyArn"]])
                for a in entity.get("AttachedManagedPolicies", [])]

    out: dict[str, tuple[list, list]] = {}
    for user in details["UserDetailList"]:
        docs = [(p["PolicyName"], p["PolicyDocument"]) for p in user["UserPolicyList"]]
        docs += attached(user)
        for name in user["GroupList"]:
            docs += [(p["PolicyName"], p["PolicyDocument"])
                     for p in groups[name]["GroupPolicyList"]] + attached(groups[name])
        b = user.get("PermissionsBoundary")
        bound = ([(b["PermissionsBoundaryArn"].rsplit("/", 1)[1],
                   managed[b["PermissionsBoundaryArn"]])] if b else [])
        out[user["Arn"]] = (docs, bound)
    return out


def _instance(rng: random.Random, pattern: str, name: str) -> str:
    """A resource ARN that `pattern` (one of ours) is likely to match."""
    text = pattern.replace("${aws:username}", name)
    return "".join(c if c != "*" else rng.choice(["1", "x", "2/y", "3"]) for c in text)


def _random_resource(rng: random.Random, service: str, name: str) -> str:
    return _instance(rng, _resource_pattern(rng, service), name).replace(
        "us-east-1", rng.choice(["us-east-1", "us-east-1", "eu-west-1"]))


def requests(details: dict[str, Any], n: int = 10_000, seed: int = 13,
             aim: float = 0.31) -> list[dict[str, Any]]:
    """`n` questions: caller ARN, action, resource, and context as AWS ContextEntry values."""
    rng = random.Random(seed)
    docs = identity_documents(details)
    out = []
    for _ in range(n):
        user = rng.choice(details["UserDetailList"])
        name, arn = user["UserName"], user["Arn"]
        statements = [st for _, d in docs[arn][0] for st in d["Statement"]
                      if st["Effect"] == "Allow" and "Action" in st]
        if statements and rng.random() < aim:
            st = rng.choice(statements)
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            service, verb = rng.choice(actions).split(":", 1)
            if "*" in verb:
                verb = rng.choice([v for v in SERVICES[service] if v.startswith(verb[:-1])]
                                  or SERVICES[service])
            pattern = rng.choice(st["Resource"])
            resource = (_instance(rng, pattern, name) if pattern != "*"
                        else _random_resource(rng, service, name))
        else:
            service = rng.choice(list(SERVICES))
            verb = rng.choice(SERVICES[service])
            resource = _random_resource(rng, service, name)
        action = f"{service}:{verb}" if rng.random() < 0.9 else f"{service}:{verb.lower()}"
        context = [
            {"ContextKeyName": "aws:username", "ContextKeyValues": [name],
             "ContextKeyType": "string"},
            {"ContextKeyName": "aws:userid", "ContextKeyValues": [user["UserId"]],
             "ContextKeyType": "string"},
            {"ContextKeyName": "aws:PrincipalArn", "ContextKeyValues": [arn],
             "ContextKeyType": "string"},
            {"ContextKeyName": "aws:PrincipalAccount", "ContextKeyValues": [ACCOUNT_ID],
             "ContextKeyType": "string"},
            *({"ContextKeyName": f"aws:PrincipalTag/{t['Key']}", "ContextKeyValues":
               [t["Value"]], "ContextKeyType": "string"} for t in user["Tags"]),
            {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": [_address(rng)],
             "ContextKeyType": "ip"},
            {"ContextKeyName": "aws:MultiFactorAuthPresent", "ContextKeyValues":
             [rng.choice(["true", "true", "false"])], "ContextKeyType": "boolean"},
            {"ContextKeyName": "aws:SecureTransport", "ContextKeyValues": ["true"],
             "ContextKeyType": "boolean"},
        ]
        if service == "s3" and rng.random() < 0.5:
            context.append({"ContextKeyName": "s3:prefix", "ContextKeyValues": [rng.choice(
                [f"home/{name}/docs", "public/x", "private/"])], "ContextKeyType": "string"})
        out.append({"caller": arn, "action": action, "resource": resource, "context": context})
    return out
