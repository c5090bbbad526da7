"""A sweep, timed: N replayed tickets at concurrency 1 and at concurrency 4, in the same run.

Every ticket is the demo's bug (a variant title per ticket), answered by the demo's cassette,
so each is a whole real run (sandbox, git, tests, store, local forge) with zero model latency.
Each sweep runs in a fresh process (`--one`), so its peak RSS is its own; the warm pool holds
as many sandboxes as the sweep's concurrency. For comparison, the single-run orchestration
overhead is measured in this same run the way bench/run.py measures it.

Prints: wall time of each sweep, their ratio (goal <= 0.5x), tickets per minute, per-ticket
orchestration overhead (sweep wall x concurrency / tickets, minus time in sandbox commands;
goal <= the single-run overhead), and each sweep process's peak RSS (goal <= 300 MB).
The sweep's tickets share one clone and one cached baseline report (one base commit); each
single run clones and runs the baseline afresh, so part of the gap is that sharing (see
docs/performance.md).
Run: `.venv/bin/python -m bench.sweep [--tickets 40]`
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from factory.demo.run_demo import CASSETTE, prepare_demo


def workspace(root: Path, tickets: int, concurrency: int) -> Path:
    prepare_demo(root)
    backlog = root / "backlog"
    backlog.mkdir()
    for index in range(1, tickets + 1):
        (backlog / f"bug-{index}.md").write_text(
            f"# Subtractive numerals are wrong, report {index}\n\nfrom_roman('IV') returns 6.\n"
        )
    (root / "replay").mkdir()
    (root / "replay" / "default.jsonl").write_text(CASSETTE.read_text())
    config = root / "factory.toml"
    text = config.read_text().replace(
        'test_command = "python3 -m pytest -q"\n',
        'test_command = "python3 -m pytest -q"\nbacklog_dir = "backlog"\n',
    )
    config.write_text(text + f"\n[sandbox]\nwarm_pool_size = {concurrency}\n")
    return root


def one(root: Path, tickets: int, concurrency: int) -> dict[str, float]:
    """One sweep in this process; prints its figures as JSON."""
    from factory.config import load_config
    from factory.store import Store
    from factory.support.logs import configure_logging
    from factory.sweep.driver import run_sweep
    from factory.sweep.outcome import SweepRequest

    configure_logging("json", "warning")
    workspace(root, tickets, concurrency)
    config = load_config(root / "factory.toml")
    with Store.open(config) as store:
        started = time.perf_counter()
        result = run_sweep(
            config,
            store,
            SweepRequest(concurrency=concurrency, replay_dir=root / "replay"),
        )
        wall = time.perf_counter() - started
    statuses = {outcome.status for outcome in result.outcomes}
    if statuses != {"pr_open"} or len(result.outcomes) != tickets:
        raise RuntimeError(f"sweep ended with {statuses} for {len(result.outcomes)} tickets")
    return {
        "wall_s": wall,
        "sandbox_s": sum(outcome.sandbox_s for outcome in result.outcomes),
        "ticket_s": statistics.median(outcome.seconds for outcome in result.outcomes),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def single_run_overhead(scratch: Path, runs: int) -> float:
    from bench.run import one_run

    one_run(scratch / "warmup")
    overheads = []
    for index in range(runs):
        wall, sandbox, _nodes = one_run(scratch / f"single{index}")
        overheads.append(wall - sandbox)
    return statistics.median(overheads)


def sweep_in_process(root: Path, tickets: int, concurrency: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.sweep", "--one", str(root), str(tickets), str(concurrency)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"sweep at concurrency {concurrency} failed:\n{done.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description="Sweep wall time at concurrency 1 and 4.")
    parser.add_argument("--tickets", type=int, default=40)
    parser.add_argument("--single-runs", type=int, default=3)
    parser.add_argument("--one", nargs=3, metavar=("DIR", "TICKETS", "CONCURRENCY"))
    options = parser.parse_args()
    if options.one:
        root, tickets, concurrency = options.one
        print(json.dumps(one(Path(root), int(tickets), int(concurrency))))
        return
    from factory.support.logs import configure_logging

    configure_logging("json", "warning")
    tickets = options.tickets
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        single = single_run_overhead(base, options.single_runs)
        serial = sweep_in_process(base / "c1", tickets, 1)
        parallel = sweep_in_process(base / "c4", tickets, 4)
    print(f"{tickets} replayed tickets per sweep; warm pool = concurrency")
    for name, figures, k in (("concurrency 1", serial, 1), ("concurrency 4", parallel, 4)):
        overhead = (figures["wall_s"] * k - figures["sandbox_s"]) / tickets
        print(
            f"  {name}: wall {figures['wall_s']:7.1f} s  "
            f"{tickets / figures['wall_s'] * 60:5.1f} tickets/min  "
            f"per-ticket overhead {overhead:5.2f} s  "
            f"median ticket {figures['ticket_s']:5.2f} s  "
            f"peak RSS {figures['peak_rss_mb']:5.0f} MB"
        )
    ratio = parallel["wall_s"] / serial["wall_s"]
    print(f"  wall time, concurrency 4 / concurrency 1: {ratio:5.2f}x   (goal <= 0.5x)")
    serial_overhead = (serial["wall_s"] - serial["sandbox_s"]) / tickets
    print(
        f"  per-ticket overhead at concurrency 1 / single-run overhead ({single:.2f} s): "
        f"{serial_overhead / single:5.2f}x   (goal <= 1x)"
    )
    print("  peak RSS goal: <= 300 MB per sweep process")


if __name__ == "__main__":
    main()
