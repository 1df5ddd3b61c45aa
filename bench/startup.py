"""Process start: `iamtui simulate-custom-policy` against a bare `python -c pass`.

    .venv/bin/python bench/startup.py [--runs 40] [--python PATH] [--iamtui PATH]

Runs the two commands alternately (so both meet the same load on a shared machine) and
prints the median wall time and the median CPU time (user + system) of each, and their
ratios. Time the venv's own interpreter and console script: a pyenv shim in front adds
about 150 ms. An editable install pays for its import finder in both commands (it runs
from a .pth file at every start), and where PYTHONDONTWRITEBYTECODE is set it compiles the
package's sources at every start: a regular `pip install .` (which writes bytecode) into
a scratch venv gives the fair ratio, e.g.

    python3 -m venv /tmp/rel && /tmp/rel/bin/pip install -q .
    .venv/bin/python bench/startup.py --python /tmp/rel/bin/python --iamtui /tmp/rel/bin/iamtui
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}]}


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of `cmd`, output discarded."""
    start = time.perf_counter()
    pid = os.posix_spawn(cmd[0], cmd, os.environ, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    here = Path(sys.executable)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--python", default=str(here))
    parser.add_argument("--iamtui", default=str(here.with_name("iamtui")))
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(POLICY, f)
    bare = [args.python, "-c", "pass"]
    cli = [args.iamtui, "simulate-custom-policy", "--policy-input-list", f"file://{f.name}",
           "--action-names", "s3:GetObject", "--resource-arns", "arn:aws:s3:::b/k"]
    try:
        for _ in range(3):  # warm the file cache (and write bytecode if it may)
            run(bare), run(cli)
        samples: dict[str, list[tuple[float, float]]] = {"bare": [], "cli": []}
        for _ in range(args.runs):
            samples["bare"].append(run(bare))
            samples["cli"].append(run(cli))
    finally:
        os.unlink(f.name)
    wall = {k: statistics.median(w for w, _ in v) for k, v in samples.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in samples.items()}
    print(f"process start, median of {args.runs} alternating runs, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  python -c pass            {wall['bare'] * 1e3:6.1f} ms wall "
          f"{cpu['bare'] * 1e3:6.1f} ms CPU")
    print(f"  simulate-custom-policy    {wall['cli'] * 1e3:6.1f} ms wall "
          f"{cpu['cli'] * 1e3:6.1f} ms CPU")
    print(f"  ratio                     {wall['cli'] / wall['bare']:6.2f}x wall  "
          f"{cpu['cli'] / cpu['bare']:5.2f}x CPU   target <= 5x")


if __name__ == "__main__":
    main()
