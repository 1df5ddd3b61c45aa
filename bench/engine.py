"""Engine benchmark: decisions per second, warm and cold, against a naive evaluator.

    .venv/bin/python bench/engine.py [--users 1000] [--requests 10000] [--runs 5]

Builds the seeded account of `bench/workload.py` (1,000 users, 50 groups, 100 roles,
300 customer managed policies, boundaries) and 10,000 requests; reports the median of
`--runs` runs for: warm (policies compiled, principals resolved), cold (parse and
compile included), the naive baseline in the same process, a recompile after one
policy edit, warm throughput at 10x the principals, and one `iamtui
simulate-custom-policy` process. Every request must get the same decision from both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import naive
import workload

from iamtui.policy import (
    Caller,
    ContextEntry,
    EvalRequest,
    PolicyInput,
    PolicySet,
    PolicySourceType,
    PolicyType,
    RequestContext,
    compile_policy,
    evaluate,
)
from iamtui.policy.compiled import compile_policy as _cached


def principal_documents(details: dict[str, Any]) -> dict[str, tuple[list, list]]:
    """Each principal ARN -> (identity documents with ids, boundary documents with ids)."""
    managed = {p["Arn"]: next(v["Document"] for v in p["PolicyVersionList"]
                              if v["IsDefaultVersion"]) for p in details["Policies"]}
    groups = {g["GroupName"]: g for g in details["GroupDetailList"]}
    out: dict[str, tuple[list, list]] = {}

    def attached(entity: dict[str, Any]) -> list[tuple[str, dict]]:
        return [(a["PolicyArn"], managed[a["PolicyArn"]])
                for a in entity.get("AttachedManagedPolicies", [])]

    def boundary(entity: dict[str, Any]) -> list[tuple[str, dict]]:
        b = entity.get("PermissionsBoundary")
        return [(b["PermissionsBoundaryArn"], managed[b["PermissionsBoundaryArn"]])] if b else []

    for user in details["UserDetailList"]:
        docs = [(f"{user['UserName']}/{p['PolicyName']}", p["PolicyDocument"])
                for p in user.get("UserPolicyList", [])] + attached(user)
        for name in user.get("GroupList", []):
            group = groups[name]
            docs += [(f"{name}/{p['PolicyName']}", p["PolicyDocument"])
                     for p in group.get("GroupPolicyList", [])] + attached(group)
        out[user["Arn"]] = (docs, boundary(user))
    for role in details["RoleDetailList"]:
        docs = [(f"{role['RoleName']}/{p['PolicyName']}", p["PolicyDocument"])
                for p in role.get("RolePolicyList", [])] + attached(role)
        out[role["Arn"]] = (docs, boundary(role))
    return out


def texts(documents: dict[str, tuple[list, list]]) -> dict[str, tuple[list, list]]:
    """Serialize every document once, as a store would hold them."""
    return {arn: ([(i, json.dumps(d, indent=2)) for i, d in ident],
                  [(i, json.dumps(d, indent=2)) for i, d in bound])
            for arn, (ident, bound) in documents.items()}


def engine_inputs(principal_texts: dict[str, tuple[list, list]],
                  arn: str) -> tuple[PolicySet, PolicySet]:
    """A principal's compiled policies, as the service holds them between requests."""
    ident, bound = principal_texts[arn]
    return (PolicySet(PolicyInput(compile_policy(t), i, PolicySourceType.USER_MANAGED)
                      for i, t in ident),
            PolicySet(PolicyInput(compile_policy(t), i, PolicySourceType.USER_MANAGED)
                      for i, t in bound))


def prepared_requests(reqs: list[dict[str, Any]]) -> list[EvalRequest]:
    return [EvalRequest(r["action"], r["resource"],
                        RequestContext([ContextEntry.from_aws(e) for e in r["context"]]),
                        Caller.from_arn(r["caller"])) for r in reqs]


def run_warm(requests: list[EvalRequest], resolved: dict[str, tuple[list, list]]) -> list[str]:
    out = []
    for request in requests:
        identity, boundaries = resolved[request.caller.arn]  # type: ignore[union-attr]
        out.append(evaluate(request, identity, boundaries=boundaries).decision)
    return out


def run_cold(requests: list[EvalRequest], principal_texts: dict) -> list[str]:
    _cached.cache_clear()
    resolved: dict[str, tuple[list, list]] = {}
    out = []
    for request in requests:
        arn = request.caller.arn  # type: ignore[union-attr]
        if arn not in resolved:
            resolved[arn] = engine_inputs(principal_texts, arn)
        identity, boundaries = resolved[arn]
        out.append(evaluate(request, identity, boundaries=boundaries).decision)
    return out


def run_naive(reqs: list[dict[str, Any]], documents: dict[str, tuple[list, list]]) -> list[str]:
    return [naive.decide([d for _, d in documents[r["caller"]][0]],
                         [d for _, d in documents[r["caller"]][1]],
                         r["action"], r["resource"], r["context"]) for r in reqs]


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def median_of(runs: int, fn: Any, *args: Any) -> tuple[float, Any]:
    results = [timed(fn, *args) for _ in range(runs)]
    return statistics.median(t for t, _ in results), results[-1][1]


def process_time(runs: int) -> float:
    """Wall time of one `iamtui simulate-custom-policy` process (the venv's own script)."""
    script = Path(sys.executable).with_name("iamtui")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action":
                   "s3:Get*", "Resource": "arn:aws:s3:::b/*"}]}, f)
    cmd = [str(script), "simulate-custom-policy", "--policy-input-list", f"file://{f.name}",
           "--action-names", "s3:GetObject", "--resource-arns", "arn:aws:s3:::b/k"]
    subprocess.run(cmd, check=True, capture_output=True)  # warm the OS file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    os.unlink(f.name)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    details = workload.account(users=args.users)
    reqs = workload.requests(details, args.requests)
    documents = principal_documents(details)
    principal_texts = texts(documents)
    requests = prepared_requests(reqs)
    n = len(requests)

    cold_t, cold = median_of(args.runs, run_cold, requests, principal_texts)
    resolved = {arn: engine_inputs(principal_texts, arn) for arn in principal_texts}
    warm_t, warm = median_of(args.runs, run_warm, requests, resolved)
    naive_t, baseline = median_of(max(1, args.runs // 2), run_naive, reqs, documents)
    disagreements = [(r, a, b) for r, a, b in zip(reqs, warm, baseline, strict=True) if a != b]
    assert cold == warm, "cold and warm runs decided differently"

    # recompile after editing one policy: a changed text is a cache miss
    policy = details["Policies"][0]
    edits = []
    for k in range(max(5, args.runs)):
        doc = json.loads(json.dumps(policy["PolicyVersionList"][0]["Document"]))
        doc["Statement"][0]["Sid"] = f"Edit{k}"
        edits.append(json.dumps(doc, indent=2))
    recompile = statistics.median(timed(compile_policy, t, PolicyType.IDENTITY)[0] for t in edits)

    # the same warm run with ten times the principals in the account
    big = workload.account(users=args.users * 10)
    big_texts = texts(principal_documents(big))
    big_requests = prepared_requests(workload.requests(big, args.requests))
    big_resolved = {arn: engine_inputs(big_texts, arn) for arn in big_texts}
    big_t, _ = median_of(args.runs, run_warm, big_requests, big_resolved)

    proc = process_time(max(5, args.runs))
    decisions = {d: warm.count(d) for d in sorted(set(warm))}
    rows = [
        ("requests", f"{n:,} ({', '.join(f'{k} {v:,}' for k, v in decisions.items())})"),
        ("warm (compiled)", f"{n / warm_t:,.0f} decisions/s  ({warm_t * 1e6 / n:.1f} us each)"),
        ("cold (parse+compile)", f"{n / cold_t:,.0f} decisions/s"),
        ("naive baseline", f"{n / naive_t:,.0f} decisions/s"),
        ("warm / naive", f"{naive_t / warm_t:,.1f}x"),
        ("cold / naive", f"{naive_t / cold_t:,.1f}x"),
        ("agreement with naive", f"{n - len(disagreements):,}/{n:,}"),
        ("recompile one edited policy", f"{recompile * 1e3:.2f} ms"),
        (f"warm at {args.users * 10:,} users", f"{n / big_t:,.0f} decisions/s "
         f"({big_t / warm_t:.2f}x the time at {args.users:,})"),
        ("simulate-custom-policy process", f"{proc * 1e3:.0f} ms (median)"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"engine benchmark, median of {args.runs} runs, {os.cpu_count()} cores")
    for key, value in rows:
        print(f"  {key.ljust(width)}  {value}")
    for r, a, b in disagreements[:5]:
        print("DISAGREE", a, b, json.dumps(r))
    if disagreements:
        sys.exit(1)


if __name__ == "__main__":
    main()
