"""Workers on the queue: N replayed tickets through one worker, then through two, same run.

Each side gets a fresh copy of the demo project, a fresh PostgreSQL database and N ticket
files (the demo ticket under N titles, each replayed from the demo cassette); all N are
enqueued first, then the workers start, and the wall time runs from their start until every
job has succeeded. Printed: both walls, the ratio two/one (goal <= 0.6x on a 2-core machine)
and jobs per minute for each.

Needs PostgreSQL (FACTORY_TEST_POSTGRES_URL, else `.ci/postgres.sh`) and Docker with the
sandbox image; without PostgreSQL it prints why and skips.
Run: `.venv/bin/python -m bench workers` or `.venv/bin/python -m bench.workers [--tickets N]`.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from bench._scratch_postgres import fresh_postgres_database, postgres_server_url
from factory.config import load_config
from factory.demo.run_demo import prepare_demo
from factory.queue.enqueue import enqueue_run
from factory.queue.task_names import RUN_TASK
from factory.run.setup import RunOptions

FACTORY = str(Path(sys.executable).parent / "factory")


def mean_run_seconds(url: str) -> float:
    """How long one run took, start to finish, on average: separates slower runs (contention
    for the machine) from time the workers spent not running anything."""
    import psycopg

    from factory.store.database import libpq_dsn

    with psycopg.connect(libpq_dsn(url)) as connection:
        row = connection.execute(
            "SELECT avg(extract(epoch FROM finished_at - started_at)) FROM runs"
        ).fetchone()
    return float(row[0]) if row and row[0] is not None else float("nan")


def all_succeeded(url: str, tickets: int, logs: Sequence[IO[bytes]]) -> bool:
    """One query on the queue's table: polling with `factory jobs list` would start a CLI
    process every second, whose start-up alone takes most of a core from the workers."""
    import psycopg

    from factory.store.database import libpq_dsn

    with psycopg.connect(libpq_dsn(url)) as connection:
        counts: dict[str, int] = dict(
            connection.execute(
                "SELECT status, count(*) FROM procrastinate_jobs "
                "WHERE task_name = %s GROUP BY status",
                (RUN_TASK,),
            ).fetchall()
        )
    if counts.get("failed"):
        tails = "\n".join(log.name + ":\n" + Path(log.name).read_text()[-3000:] for log in logs)
        raise RuntimeError(f"{counts['failed']} job(s) failed; worker logs:\n{tails}")
    return bool(counts.get("succeeded", 0) == tickets)


def through_workers(server: str, scratch: Path, tickets: int, workers: int) -> tuple[float, float]:
    root = prepare_demo(scratch / f"demo-{workers}")
    text = (root / "ticket.md").read_text()
    with fresh_postgres_database(server) as url:
        env = {**os.environ, "FACTORY_DATABASE_URL": url, "FACTORY_LOG_FORMAT": "json"}
        env["FACTORY_LOG_LEVEL"] = "warning"
        # Queued in this process (what `factory run --enqueue` calls): forty CLI start-ups
        # would add minutes to the bench and nothing to the figure, which starts later.
        config = load_config(root / "factory.toml", environ=env)
        for index in range(tickets):
            ticket = root / f"ticket-{index + 1}.md"
            ticket.write_text(text.replace("title: ", f"title: (copy {index + 1}) ", 1))
            enqueue_run(config, str(ticket), RunOptions())
        logs = [(scratch / f"worker-{workers}-{n}.log").open("wb") for n in range(workers)]
        started = time.perf_counter()
        processes = [
            subprocess.Popen(
                [FACTORY, "--config", str(root / "factory.toml"), "worker"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            for log in logs
        ]
        try:
            while not all_succeeded(url, tickets, logs):
                time.sleep(1)
            elapsed = time.perf_counter() - started
            per_run = mean_run_seconds(url)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=300)
            for log in logs:
                log.close()
    return elapsed, per_run


def main() -> None:
    parser = argparse.ArgumentParser(description="Replayed tickets through one and two workers.")
    parser.add_argument("--tickets", type=int, default=40)
    options = parser.parse_args()
    server = postgres_server_url()
    if server is None:
        print(
            "SKIPPED: PostgreSQL unavailable (set FACTORY_TEST_POSTGRES_URL or install Debian's "
            "postgresql for .ci/postgres.sh); no worker figures this run"
        )
        return
    count = options.tickets
    with tempfile.TemporaryDirectory() as scratch:
        one, one_run = through_workers(server, Path(scratch), count, workers=1)
        two, two_run = through_workers(server, Path(scratch), count, workers=2)
    print(
        f"{count} replayed tickets: one worker {one:.1f}s ({60 * count / one:.1f} jobs/min); "
        f"two workers {two:.1f}s ({60 * count / two:.1f} jobs/min); "
        f"ratio two/one {two / one:.2f}x (goal <= 0.6x)"
    )
    print(
        f"  mean run, start to finish: {one_run:.1f}s with one worker, {two_run:.1f}s with two "
        f"({two_run / one_run:.2f}x: how much two runs at once slow each other on this machine)"
    )


if __name__ == "__main__":
    main()
