"""A whole run, timed: the demo ticket replayed N times end to end, in the real sandbox.

For each run: wall time, time per node, and the time spent inside sandbox commands (the
agents' commands, the test suite, the baseline suite). Orchestration overhead = wall time minus
sandbox-command time: what the factory itself costs (git, store, graph, checkpoints, sandbox
start and removal, the gate), reported as seconds and as a ratio to the sandbox time.

Goal: median orchestration overhead <= 2 s. Run: `.venv/bin/python -m bench.run [--runs N]`
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from factory.config import load_config
from factory.demo.run_demo import CASSETTE, REPO_NAME, prepare_demo
from factory.run.runner import start_run
from factory.run.setup import RunOptions
from factory.store import Store
from factory.support.logs import configure_logging

NODES = ("intake", "plan", "code", "test", "review", "gate", "deliver")


def one_run(root: Path) -> tuple[float, float, dict[str, float]]:
    prepare_demo(root)
    config = load_config(root / "factory.toml")
    store = Store.open(config)
    try:
        started = time.perf_counter()
        summary = start_run(
            config, store, str(root / "ticket.md"), RunOptions(repo=REPO_NAME, replay=CASSETTE)
        )
        wall = time.perf_counter() - started
    finally:
        store.close()
    if summary.status.value != "pr_open":
        raise RuntimeError(f"run ended {summary.status.value}: {summary.state.error}")
    return wall, summary.sandbox_seconds, summary.node_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description="Whole-run wall time and its breakdown.")
    parser.add_argument("--runs", type=int, default=10)
    options = parser.parse_args()
    configure_logging("json", "warning")
    walls, sandboxes, overheads = [], [], []
    per_node: dict[str, list[float]] = {node: [] for node in NODES}
    with tempfile.TemporaryDirectory() as scratch:
        one_run(Path(scratch) / "warmup")  # imports, first docker connection
        for index in range(options.runs):
            wall, sandbox, nodes = one_run(Path(scratch) / f"run{index}")
            walls.append(wall)
            sandboxes.append(sandbox)
            overheads.append(wall - sandbox)
            for node in NODES:
                per_node[node].append(nodes.get(node, 0.0))
    median = statistics.median
    print(f"demo ticket, {options.runs} runs (medians)")
    print(f"  whole run          {median(walls):7.3f} s")
    print(f"  in sandbox commands{median(sandboxes):7.3f} s")
    print(f"  orchestration      {median(overheads):7.3f} s   (goal <= 2 s)")
    print(f"  overhead / sandbox {median(overheads) / median(sandboxes):7.2f}x")
    print("  by node:")
    for node in NODES:
        print(f"    {node:<9} {median(per_node[node]):7.3f} s")
