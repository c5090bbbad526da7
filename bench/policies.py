"""The autonomy gate's cost, against baselines measured in the same run.

- gate: `evaluate_gate` with the default policy set (secret scan included) on a diff of
  --files files x --lines added lines, vs the baseline of parsing that diff
  (`parse_unified_diff`), the work the gate cannot avoid.
- secret scan: the gate without secret_scan vs with it, to show what the scan costs.
- repo policy: a repository's own policy (worker thread with a deadline, deep-copied context)
  vs the same function called inline, per evaluation.

Goal: the gate without the secret scan within 5x of parsing its diff; the scan (detect-secrets'
regex plugins over every added line) dominates, and the whole gate should stay under 100 ms
for 800 added lines: it runs once per run, next to agents that take minutes.
Run: `.venv/bin/python -m bench.policies`
"""

import argparse
import time
from collections.abc import Callable

from factory.gate.diff import parse_unified_diff
from policies.builtin import build_builtin
from policies.config import AutonomyLevel
from policies.evaluation import build_policies, evaluate_gate
from policies.loader import repo_policy_from_source
from policies.models import GateContext, ReviewSummary, TestSummary

POLICY_SOURCE = "def evaluate(ctx):\n    return {'outcome': 'allow', 'reasons': ['ok']}\n"


def make_diff(files: int, lines: int) -> str:
    chunks = []
    for f in range(files):
        path = f"src/module_{f}.py"
        added = "".join(f"+value_{f}_{i} = compute({i}, 'label {i}')\n" for i in range(lines))
        chunks.append(
            f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
            f"@@ -1,1 +1,{lines + 1} @@\n import os\n{added}"
        )
    return "".join(chunks)


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    text = make_diff(args.files, args.lines)
    ctx = GateContext(
        repo="bench",
        diff=parse_unified_diff(text),
        tests=TestSummary(passed=True),
        review=ReviewSummary(verdict="approve"),
        level=AutonomyLevel.L3,
    )
    full = build_policies([])
    without_scan = [p for p in full if p.name != "secret_scan"]

    parse_s = best_of(args.repeats, lambda: parse_unified_diff(text))
    gate_s = best_of(args.repeats, lambda: evaluate_gate(ctx, full))
    bare_s = best_of(args.repeats, lambda: evaluate_gate(ctx, without_scan))
    lines = args.files * args.lines
    print(f"diff: {args.files} files, {lines} added lines")
    print(f"parse diff (baseline)     {parse_s * 1000:8.2f} ms")
    print(f"gate, default policies    {gate_s * 1000:8.2f} ms  ({gate_s / parse_s:.1f}x baseline)")
    print(f"gate without secret_scan  {bare_s * 1000:8.2f} ms  ({bare_s / parse_s:.1f}x baseline)")
    print(f"secret scan share of gate {(gate_s - bare_s) / gate_s:8.0%}")

    guarded = repo_policy_from_source(".factory/policies/p.py", POLICY_SOURCE)
    guarded.evaluate(ctx)  # load once, as a run would
    inline = build_builtin("halt")
    calls = 200
    guarded_s = best_of(3, lambda: [guarded.evaluate(ctx) for _ in range(calls)]) / calls
    inline_s = best_of(3, lambda: [inline.evaluate(ctx) for _ in range(calls)]) / calls
    print(f"built-in policy inline    {inline_s * 1e6:8.1f} us per evaluation (baseline)")
    print(
        f"repo policy, guarded      {guarded_s * 1e6:8.1f} us per evaluation "
        f"({guarded_s / inline_s:.0f}x baseline: worker thread, deadline, private copy)"
    )


if __name__ == "__main__":
    main()
