"""Benchmark of find-privilege-escalation (python bench/escalation.py): every user and
role of the seeded account (`bench/workload.py`: by default 5,000 users, 100 roles, 50
groups, 300 customer managed policies, some boundaries and conditions), imported through
IamService, analysed for paths to administrator.

Reports the median of several runs, and beside it who-can over the same store in the same
process (one engine question per principal) as the baseline the analysis is a multiple of.
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


def main() -> None:
    """Import the account, then time the analysis and who-can over it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, keys = workload.seed_store(Path(tmp), users=args.users)
        svc = IamService.open(db, keys_dir=keys)
        analysis, baseline, counts = [], [], []
        root = svc.root_principal()
        for _ in range(args.runs):
            start = time.perf_counter()
            findings = svc.find_privilege_escalation(root)
            analysis.append(time.perf_counter() - start)
            counts.append((sum(f.is_admin for f in findings),
                           sum(not f.is_admin for f in findings)))
            start = time.perf_counter()
            svc.who_can(root, "iam:CreateAccessKey", "*")
            baseline.append(time.perf_counter() - start)
        svc.close()
    a, b = statistics.median(analysis), statistics.median(baseline)
    print(f"find-privilege-escalation over {args.users} users and 100 roles: "
          f"{a:.2f} s median of {args.runs} (admins, escalating: {counts[0]})")
    print(f"  who-can, one question, same store: {b * 1000:.0f} ms; ratio {a / b:.0f}x")


if __name__ == "__main__":
    main()
