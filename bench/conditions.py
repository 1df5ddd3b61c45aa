"""Engine benchmark on condition-heavy requests built the way the service builds them.

    .venv/bin/python bench/conditions.py [--users 1000] [--requests 10000] [--runs 7]

The account and requests of `bench/conditions_workload.py`: 1,000 users in 1-5 groups,
about 30% of statements with conditions, every request carrying about eight context keys
as AWS `ContextEntry` values. Each evaluator gets the request as the service does and
builds its context inside the timed loop, as simulate-principal-policy and the CLI's own
authorization do; policies are compiled before timing (the service caches a principal's
compiled policies per store revision). Runs, alternating every `--slice` requests (in an
order drawn afresh each time), in one process:

- engine: `RequestContext.from_aws` (each entry checked), an `EvalRequest`
  with `Caller.from_arn`, and `evaluate` with the principal's PolicySets (its identity
  policies and its boundary), kept across requests with their per-service and
  per-action indexes, as the service's cache keeps them per store revision (an entry
  met before is found by its parts; a new one, such as a source address, is checked);
- engine, trusted: the same, each entry built as the service's caller_context builds the
  caller's own (a ContextEntry from values it trusts) instead of checked from AWS's shape;
- straightforward and indexed: the two plain-Python evaluators of `bench/plain.py`;
- naive: `bench/naive.py`, which reads the JSON documents on every request.

Every run draws a fresh batch of requests (after a 1,000-request warm-up), so a value
such as a source address is met once, as in a service. Users and actions are drawn
uniformly, a hard case for the engine's per-policy, per-action memos, which fill as the
runs go; the per-run ratios are printed too. Taking turns slice by slice keeps the
evaluators under the same load when a shared machine's speed changes from one tenth of a
second to the next; run by run, whole batches in turn, the ratios varied 0.5-1.3x.
Prints the median decisions per CPU second of each over `--runs` runs and the ratios
within each run, and fails unless every evaluator decides every request the same way.
`--breakdown` also times the engine up to each of its steps (the checked context; the
caller and request; evaluate), each on fresh batches.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import conditions_workload as workload
import naive
import plain

from iamtui.policy import (
    Caller,
    ContextEntry,
    EvalRequest,
    PolicyInput,
    PolicySet,
    PolicySourceType,
    RequestContext,
    compile_policy,
    evaluate,
)

Inputs = tuple[PolicySet, PolicySet]


def engine_inputs(documents: dict[str, tuple[list, list]]) -> dict[str, Inputs]:
    """Each user's compiled policies, as the service's per-principal cache holds them."""
    def inputs(docs: list[tuple[str, dict]]) -> PolicySet:
        return PolicySet(PolicyInput(compile_policy(json.dumps(d, indent=2)), name,
                                     PolicySourceType.USER_MANAGED) for name, d in docs)

    return {arn: (inputs(ident), inputs(bound)) for arn, (ident, bound) in documents.items()}


def run_engine(reqs: list[dict[str, Any]], resolved: dict[str, Inputs]) -> list[str]:
    out = []
    account = workload.ACCOUNT_ID
    for r in reqs:
        identity, boundaries = resolved[r["caller"]]
        context = RequestContext.from_aws(r["context"])
        request = EvalRequest(r["action"], r["resource"], context, Caller.from_arn(r["caller"]),
                              account)
        out.append(evaluate(request, identity, boundaries=boundaries).decision)
    return out


def run_engine_trusted(reqs: list[dict[str, Any]], resolved: dict[str, Inputs]) -> list[str]:
    """run_engine with each entry built as the service's caller_context builds its own (a
    ContextEntry from values it trusts, nothing to check) instead of ContextEntry.from_aws."""
    out = []
    account = workload.ACCOUNT_ID
    for r in reqs:
        identity, boundaries = resolved[r["caller"]]
        context = RequestContext([ContextEntry(e["ContextKeyName"], tuple(e["ContextKeyValues"]),
                                               e["ContextKeyType"]) for e in r["context"]])
        request = EvalRequest(r["action"], r["resource"], context, Caller.from_arn(r["caller"]),
                              account)
        out.append(evaluate(request, identity, boundaries=boundaries).decision)
    return out


def run_contexts(reqs: list[dict[str, Any]], resolved: dict[str, Inputs]) -> list[str]:
    """run_engine's first step alone: each request's context checked and built."""
    for r in reqs:
        RequestContext.from_aws(r["context"])
    return []


def run_requests(reqs: list[dict[str, Any]], resolved: dict[str, Inputs]) -> list[str]:
    """run_engine up to evaluate: the context, the caller read from its ARN, the request."""
    account = workload.ACCOUNT_ID
    for r in reqs:
        resolved[r["caller"]]  # as run_engine looks them up
        context = RequestContext.from_aws(r["context"])
        EvalRequest(r["action"], r["resource"], context, Caller.from_arn(r["caller"]), account)
    return []


def run_plain(reqs: list[dict[str, Any]], evaluator: plain.Straightforward | plain.Indexed
              ) -> list[str]:
    decide = evaluator.decide
    return [decide(r) for r in reqs]


def run_naive(reqs: list[dict[str, Any]], documents: dict[str, tuple[list, list]]) -> list[str]:
    return [naive.decide([d for _, d in documents[r["caller"]][0]],
                         [d for _, d in documents[r["caller"]][1]],
                         r["action"], r["resource"], r["context"]) for r in reqs]


def timed(fn: Callable[..., list[str]], *args: Any) -> tuple[float, list[str]]:
    """CPU seconds of this process (others' load on a shared machine does not count)."""
    start = time.process_time()
    result = fn(*args)
    return time.process_time() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--slice", type=int, default=250,
                        help="requests each evaluator decides before the next takes its turn")
    parser.add_argument("--order-seed", type=int, default=0,
                        help="seed of the evaluators' order in each slice")
    parser.add_argument("--no-naive", action="store_true", help="skip the slow naive runs")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time the engine's steps apart, on other fresh batches")
    args = parser.parse_args()

    details = workload.account(users=args.users)
    # A fresh batch for every run (same account, other draws): a value seen in an
    # earlier run, such as a source address, is not seen again, as in a service.
    warm_up, *batches = (workload.requests(details, args.requests, seed=13 + k)
                         for k in range(args.runs + 1))
    # each step on batches of its own: a step run after another on the same batch would
    # find the entries the other met remembered
    apart = ([[workload.requests(details, args.requests, seed=1013 + 3 * k + step)
               for step in range(3)] for k in range(args.runs)] if args.breakdown else [])
    documents = workload.identity_documents(details)
    resolved = engine_inputs(documents)
    runners: dict[str, tuple[Callable[..., list[str]], Any]] = {
        "engine": (run_engine, resolved),
        "engine, trusted": (run_engine_trusted, resolved),
        "straightforward": (run_plain, plain.Straightforward(documents)),
        "indexed": (run_plain, plain.Indexed(documents)),
    }
    if not args.no_naive:
        runners["naive"] = (run_naive, documents)
    for fn, arg in runners.values():  # each at work already, as in a running service
        fn(warm_up[:1000], arg)
    # What is built so far lives as long as the process: out of the collector's sight, as
    # the app puts its store (else a full collection walks it inside whichever run).
    gc.collect()
    gc.freeze()
    times: dict[str, list[float]] = {name: [] for name in runners}
    decisions: dict[str, list[str]] = {name: [] for name in runners}
    steps: dict[str, list[float]] = {"context": [], "+ caller, request": [], "+ evaluate": []}
    names = list(runners)
    for k, reqs in enumerate(batches):
        # Alternate slice by slice, so that every evaluator meets the same load: on a shared
        # machine the speed changes within a tenth of a second, a whole batch's run. The
        # order is drawn afresh for every slice: the first to read a slice brings it into
        # the CPU's caches, and the one after the naive evaluator (which parses documents
        # on every request) finds them full of its garbage. Turning a fixed order around
        # would leave the same evaluator after the naive one every time.
        spent = dict.fromkeys(names, 0.0)
        for j, start in enumerate(range(0, len(reqs), args.slice)):
            part = reqs[start:start + args.slice]
            order = random.Random(f"{args.order_seed}/{k}/{j}").sample(names, len(names))
            for name in order:
                fn, arg = runners[name]
                elapsed, decided = timed(fn, part, arg)
                spent[name] += elapsed
                decisions[name] += decided
        for name in names:
            times[name].append(spent[name])
        for spent, fn, batch in zip(steps.values(), (run_contexts, run_requests, run_engine),
                                    apart[k] if apart else (), strict=False):
            spent.append(timed(fn, batch, resolved)[0])

    n = args.requests
    everything = [r for reqs in batches for r in reqs]
    reference = decisions["engine"]
    counts = Counter(reference)
    print(f"condition-heavy requests, median of {args.runs} runs, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  requests         {n:,} a run: " + ", ".join(
        f"{k} {v / len(reference):.0%}" for k, v in sorted(counts.items())))
    context_keys = statistics.mean(len(r["context"]) for r in everything)
    print(f"  context keys     {context_keys:.1f} per request")
    for name in runners:
        t = statistics.median(times[name])
        print(f"  {name:<16} {n / t:9,.0f} decisions/s  ({t * 1e6 / n:6.1f} us each)")
    if apart:  # each step's share: the difference between medians of growing prefixes
        print("  engine, step by step on other fresh batches (us each; the median of the whole "
              "engine up to that step, and the step's share):")
        before = 0.0
        for step, spent in steps.items():
            t = statistics.median(spent) * 1e6 / n
            print(f"    {step:<20} {t:6.1f}  ({t - before:+.1f})")
            before = t
    print("  speed ratios, within each run (median, and the lowest and highest run):")
    for mine in [k for k in runners if k.startswith("engine")]:
        for other in [k for k in runners if not k.startswith("engine")]:
            ratios = [b / a for a, b in zip(times[mine], times[other], strict=True)]
            print(f"    {mine + ' / ' + other:<36} {statistics.median(ratios):6.2f}x  "
                  f"({min(ratios):.2f}-{max(ratios):.2f}; by run "
                  + " ".join(f"{r:.2f}" for r in ratios) + ")")
    failed = False
    for name, got in decisions.items():
        wrong = [i for i in range(len(reference)) if got[i] != reference[i]]
        print(f"  agreement        {name:<16} {len(got) - len(wrong):,}/{len(reference):,}")
        for i in wrong[:3]:
            print(f"    DISAGREE {name}={got[i]} engine={reference[i]} "
                  f"{json.dumps(everything[i])}")
        failed = failed or bool(wrong)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
