"""How long validation as Access Analyzer does it takes on a policy of the largest size a
managed policy may have (6,144 characters without whitespace, IAM and AWS STS quotas).

    .venv/bin/python bench/validate.py [--runs 21]

The policy: statements over eight services (S3, EC2, IAM, Lambda, DynamoDB, KMS, SQS,
SNS) with named actions, wildcards, resource ARNs and conditions, padded to exactly 6,144
characters. Times, in one process and after one warm-up call (which reads the catalog's
files for those services):

- analyze: `analyze_policy` (grammar + every catalog check), what validate-policy and
  the editor run;
- grammar: `validate_policy` alone (the checks that need no catalog), for the ratio.

Prints the median and the slowest of `--runs` runs of each, their ratio, and the first
call's time in a fresh interpreter (the catalog read from disk), and fails when the
median of analyze is 50 ms or more.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from iamtui.arn import policy_size
from iamtui.policy import validate_policy
from iamtui.policy.analyzer import analyze_policy

TARGET = 6144
BUDGET_MS = 50.0

STATEMENTS = [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:List*"],
     "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"],
     "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}}},
    {"Effect": "Allow", "Action": ["ec2:Describe*", "ec2:StartInstances", "ec2:StopInstances"],
     "Resource": "arn:aws:ec2:us-east-1:111122223333:instance/*",
     "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}},
    {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListAccessKeys", "iam:PassRole"],
     "Resource": "arn:aws:iam::111122223333:role/app/*",
     "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
    {"Effect": "Allow", "Action": ["lambda:InvokeFunction", "lambda:GetFunction"],
     "Resource": "arn:aws:lambda:us-east-1:111122223333:function:app-*"},
    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"],
     "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/orders",
     "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:userid}"]}}},
    {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
     "Resource": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
     "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}},
    {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
     "Resource": "arn:aws:sqs:us-east-1:111122223333:queue-*",
     "Condition": {"Bool": {"aws:SecureTransport": "true"},
                   "IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}},
    {"Effect": "Deny", "Action": "sns:Publish",
     "Resource": "arn:aws:sns:us-east-1:111122223333:alerts",
     "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}},
]


def policy(target: int = TARGET) -> str:
    """The statements, repeated with distinct Sids, padded to `target` characters without
    whitespace (the size IAM counts)."""
    statements: list[dict[str, object]] = []
    i = 0
    while True:
        # each repeat names other resources (the same statement twice is a finding)
        template = json.dumps(STATEMENTS[i % len(STATEMENTS)]).replace(
            "111122223333", f"{111122223333 + i // len(STATEMENTS)}").replace(
            "reports", f"reports-{i}")
        statement = {"Sid": f"S{i}", **json.loads(template)}
        candidate = json.dumps({"Version": "2012-10-17", "Statement": [*statements, statement]},
                               indent=2)
        if policy_size(candidate) > target:
            break
        statements.append(statement)
        i += 1
    text = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
    statements[-1]["Sid"] = "S" + "x" * (target - policy_size(text) + len(f"{i - 1}"))
    text = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
    assert policy_size(text) == target, policy_size(text)
    return text


def timed(function, text: str, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(text)
        times.append((time.perf_counter() - start) * 1000)
    return times


def first_call_ms() -> float:
    """analyze_policy's first call in a fresh interpreter: the catalog read from disk."""
    code = ("import time, sys; sys.path.insert(0, 'bench'); import validate;"
            "text = validate.policy();"
            "from iamtui.policy.analyzer import analyze_policy;"
            "s = time.perf_counter(); analyze_policy(text);"
            "print((time.perf_counter() - s) * 1000)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return float(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    text = policy()
    findings = analyze_policy(text).findings
    statements = len(json.loads(text)["Statement"])
    print(f"policy: {len(text)} characters, {policy_size(text)} without whitespace, "
          f"{statements} statements, {len(findings)} findings")
    analyze = timed(analyze_policy, text, args.runs)
    grammar = timed(validate_policy, text, args.runs)
    for name, times in (("analyze", analyze), ("grammar", grammar)):
        print(f"{name:8} median {statistics.median(times):7.2f} ms   slowest "
              f"{max(times):7.2f} ms   ({args.runs} runs)")
    print(f"analyze / grammar: {statistics.median(analyze) / statistics.median(grammar):.2f}x")
    cold = [first_call_ms() for _ in range(3)]
    print(f"first call in a fresh interpreter (catalog read from disk): median "
          f"{statistics.median(cold):.1f} ms of 3")
    return 0 if statistics.median(analyze) < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
