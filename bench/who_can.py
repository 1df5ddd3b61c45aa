"""Benchmark of "who can" (python bench/who_can.py): every user and role allowed one
action on one resource, in an account of 1,000 users, 100 roles, 50 groups and 300
customer managed policies (`bench/workload.py`), imported through IamService.

Reports the median of several runs, cold (first question after opening the store: each
principal's policies resolved and compiled) and warm (the next questions).
Target (GitHub issue #6): under a second for 1,000 principals.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "bench"))

import workload  # noqa: E402

from iamtui.service import IamService  # noqa: E402

QUESTIONS = (("s3:GetObject", "arn:aws:s3:::bucket-1/key"),
             ("ec2:TerminateInstances", "*"),
             ("iam:PassRole", f"arn:aws:iam::{workload.ACCOUNT_ID}:role/role-1"))


def main() -> None:
    """Import the account, then time who_can cold and warm."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, keys = workload.seed_store(Path(tmp), users=args.users)
        cold, warm, allowed = [], [], []
        for _ in range(args.runs):
            svc = IamService.open(db, keys_dir=keys)
            root = svc.root_principal()
            start = time.perf_counter()
            svc.who_can(root, *QUESTIONS[0])
            cold.append(time.perf_counter() - start)
            for action, resource in QUESTIONS:
                start = time.perf_counter()
                found = svc.who_can(root, action, resource)
                warm.append(time.perf_counter() - start)
                allowed.append(len(found))
            svc.close()
    principals = args.users + 100
    print(f"who_can over {principals} principals ({args.users} users, 100 roles)")
    print(f"  cold (open, resolve and compile every principal): "
          f"{statistics.median(cold) * 1000:.0f} ms median of {args.runs}")
    print(f"  warm: {statistics.median(warm) * 1000:.0f} ms median of {len(warm)} "
          f"(allowed: {sorted(set(allowed))})")


if __name__ == "__main__":
    main()
