"""The operational review and the dashboard on a big record, each against plain SELECTs.

Generates a SQLite store with --runs runs and --events-per-run events each (default 10k runs,
1M events) through the store's own chain functions, bulk-inserted (valid chains: the review
verifies them), then times, median of --rounds after a warm-up:

- review: what `factory review --format json` does (build the review, dump its JSON), with and
  without audit verification, against executing the very SQL the review reads with sqlite3
  and fetching every row once (goal <= 3x);
- the dashboard's review page and a run page, over HTTP from a real uvicorn server, each
  against its own queries' plain SELECT (goal <= 3x each).
Run: `.venv/bin/python -m bench review` or `.venv/bin/python -m bench.review [--runs N]`.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from factory.config import parse_config
from factory.review.build import ReviewOptions, build_review
from factory.review.period import make_period
from factory.review.records import event_query, run_query
from factory.store import Store
from factory.store.chain import GENESIS, canonical_json, digest_hash, link_hashes, timestamp

NOW = datetime(2026, 11, 20, tzinfo=UTC)
REPOS = ("payments", "search", "web", "infra")
ROLES = ("planner", "coder", "tester", "reviewer")


def run_events(index: int, rng: random.Random) -> list[tuple[str, str, dict[str, Any]]]:
    """About 100 events shaped like a real run's: nodes, model and tool calls, gate, delivery."""
    events: list[tuple[str, str, dict[str, Any]]] = [
        ("run.started", "system", {"ticket": f"T-{index}", "repo": REPOS[index % 4]}),
    ]
    for node in ("intake", "plan", "code", "test", "review", "gate", "deliver"):
        events.append(("node.started", "system", {"node": node, "iteration": 1}))
        for call in range(4 if node in ("plan", "code", "test", "review") else 0):
            events.append(
                (
                    "model.call",
                    ROLES[call % 4],
                    {
                        "model": "claude-sonnet-4-5" if call % 3 else "local-model",
                        "input_tokens": rng.randint(1000, 9000),
                        "output_tokens": rng.randint(50, 900),
                        "cache_read_tokens": rng.randint(0, 5000),
                        **({"cost_usd": round(rng.random() / 10, 6)} if index % 50 else {}),
                        "latency_s": round(rng.random() * 3, 3),
                    },
                )
            )
            for tool in range(4):
                events.append(
                    (
                        "tool.call",
                        ROLES[call % 4],
                        {"tool": "run_command", "args_summary": f"cmd={tool}", "exit_code": 0},
                    )
                )
        if node == "code":
            events.append(("git.commit", "system", {"node": "code", "sha": f"{index:040x}"}))
        if node == "test":
            events.append(
                ("tests.report", "system", {"exit_code": 0, "failed": 0, "newly_failing": []})
            )
        if node == "gate":
            verdicts: list[dict[str, Any]] = [
                {"policy": p, "outcome": "allow", "reasons": []}
                for p in ("protected_paths", "diff_size", "tests_green", "secret_scan")
            ]
            events.append(
                (
                    "gate.decision",
                    "system",
                    {
                        "context": {"repo": REPOS[index % 4], "diff": {"files": []}},
                        "decision": {"decision": "merge", "level": "L2", "verdicts": verdicts},
                    },
                )
            )
        events.append(
            ("node.finished", "system", {"node": node, "duration_s": 1.5, "sandbox_s": 1.0})
        )
    events.append(("merge.done", "system", {"pr": index, "sha": f"{index:040x}", "by": "factory"}))
    while len(events) < 100:
        events.append(("context.elided", "coder", {"messages": 3}))
    return events


def generate(path: Path, runs: int, per_run: int) -> int:
    """Create the schema through the store, then bulk-insert valid chains with sqlite3."""
    Store(f"sqlite:///{path}").close()
    rng = random.Random(14)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    event_rows: list[tuple[Any, ...]] = []
    run_rows: list[tuple[Any, ...]] = []
    digest_rows: list[tuple[Any, ...]] = []
    digest_prev, digest_seq, total = GENESIS, 0, 0
    for index in range(runs):
        run_id = f"r-{index:010d}"
        created = NOW - timedelta(minutes=index * 8)  # 10k runs span about 55 days
        ts = timestamp(created)
        events = run_events(index, rng)[:per_run]
        entries = [(kind, actor, canonical_json(payload)) for kind, actor, payload in events]
        hashes = list(link_hashes(GENESIS, run_id, ts, entries))
        links = [GENESIS, *hashes[:-1]]
        for seq, ((kind, actor, payload), link, digest) in enumerate(
            zip(entries, links, hashes, strict=True), start=1
        ):
            event_rows.append((run_id, seq, ts, kind, actor, payload, link, digest))
        total += len(entries)
        for count, head in ((0, GENESIS), (len(entries), hashes[-1])):
            digest_seq += 1
            digest = digest_hash(digest_prev, digest_seq, ts, run_id, count, head)
            digest_rows.append((digest_seq, ts, run_id, count, head, digest_prev, digest))
            digest_prev = digest
        stamp = created.isoformat(sep=" ")
        run_rows.append(
            (
                run_id,
                f"T-{index}",
                REPOS[index % 4],
                "L2",
                "merged",
                "PR",
                0.0,
                0,
                0,
                stamp,
                stamp,
                stamp,
                stamp,
                hashes[-1],
                len(entries),
            )
        )
        if len(event_rows) >= 200_000:
            _flush(connection, event_rows)
    _flush(connection, event_rows)
    connection.executemany(
        "INSERT INTO runs (id, ticket_ref, repo, autonomy_level, status, outcome, cost_usd, "
        "tokens_in, tokens_out, created_at, updated_at, started_at, finished_at, head_hash, "
        "event_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        run_rows,
    )
    connection.executemany("INSERT INTO audit_digests VALUES (?,?,?,?,?,?,?)", digest_rows)
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()
    return total


def _flush(connection: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    connection.executemany(
        "INSERT INTO events (run_id, seq, ts, kind, actor, payload, prev_hash, hash) "
        "VALUES (?,?,?,?,?,?,?,?)",
        rows,
    )
    rows.clear()


def report(label: str, seconds: float, baseline: float | None = None) -> None:
    ratio = f"  {seconds / baseline:5.2f}x its plain SELECT (goal <= 3x)" if baseline else ""
    print(f"{label:<46} {seconds:8.3f}s{ratio}", flush=True)


def timed(fn: Callable[[], object], rounds: int) -> float:
    fn()  # warm-up: caches, imports, page cache
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def plain_select(path: Path, statements: list[tuple[str, tuple[Any, ...]]]) -> Callable[[], int]:
    def read() -> int:
        connection = sqlite3.connect(path)
        try:
            # Step through every row once, holding none: the least any reader of them does.
            count = 0
            for sql, args in statements:
                for _row in connection.execute(sql, args):
                    count += 1
            return count
        finally:
            connection.close()

    return read


def compiled(statement: Any) -> tuple[str, tuple[Any, ...]]:
    """The SQL SQLAlchemy sends for `statement` on SQLite, with its parameters in order."""
    from sqlalchemy.dialects import sqlite

    query = statement.compile(dialect=sqlite.dialect(), compile_kwargs={"render_postcompile": True})
    params = query.construct_params()
    values = []
    for name in query.positiontup or ():
        value = params[name]
        values.append(value.isoformat(sep=" ") if isinstance(value, datetime) else value)
    return str(query), tuple(values)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.review")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--events-per-run", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        path = Path(tmp) / "factory.db"
        started = time.perf_counter()
        total = generate(path, args.runs, args.events_per_run)
        print(f"generated {args.runs} runs, {total} events in {time.perf_counter() - started:.1f}s")
        print(f"load average when timing starts: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        url = f"sqlite:///{path}"
        config = parse_config(
            {
                "factory": {"database_url": url},
                "repos": {
                    name: {"github": f"acme/{name}", "test_command": "pytest"} for name in REPOS
                },
            },
            source="bench",
            base_dir=Path(tmp),
            environ={},
        )
        store = Store(url)
        period = make_period("30d", None, NOW)
        rows_read = [compiled(run_query(period)), compiled(event_query(period))]
        rows_read += [
            (
                "SELECT repo, number, run_id, status, merged_sha, created_at, updated_at "
                "FROM pull_requests",
                (),
            ),
            ("SELECT ref, title, labels, created_at, updated_at FROM tickets", ()),
            ("SELECT scope, reason, by, created_at, lifted_at FROM halts", ()),
            ("SELECT * FROM incidents", ()),
        ]
        verify_rows = [
            ("SELECT id, event_count, head_hash FROM runs", ()),
            (
                "SELECT run_id, seq, ts, kind, actor, payload, prev_hash, hash FROM events "
                "ORDER BY run_id, seq",
                (),
            ),
            ("SELECT * FROM audit_digests ORDER BY seq", ()),
        ]

        def review(verify: bool) -> Callable[[], object]:
            options = ReviewOptions(since="30d", now=NOW, verify_audit=verify)
            return lambda: build_review(config, store, options).model_dump_json()

        plain = timed(plain_select(path, rows_read), args.rounds)
        plain_with_chain = timed(plain_select(path, rows_read + verify_rows), args.rounds)
        fast = timed(review(False), args.rounds)
        full = timed(review(True), args.rounds)
        report("plain SELECT of the review's rows", plain)
        report("review --format json --no-verify", fast, plain)
        report("plain SELECT of those rows + every chain", plain_with_chain)
        report("review --format json (verifies the chain)", full, plain_with_chain)
        cli = [str(Path(sys.executable).parent / "factory"), "review", "--format", "json"]
        env = {"FACTORY_DATABASE_URL": url, "FACTORY_CONFIG": "", "PATH": "/usr/bin:/bin"}
        started = time.perf_counter()
        done = subprocess.run(
            [*cli, "--until", NOW.isoformat()], env=env, capture_output=True, cwd=tmp
        )
        if done.returncode != 0:
            raise RuntimeError(f"factory review failed: {done.stderr.decode()[-500:]}")
        report("`factory review --format json`, a process", time.perf_counter() - started)
        _dashboard(config, store, path, rows_read, verify_rows, args.rounds)
        store.close()


def _dashboard(
    config: Any, store: Store, path: Path, rows_read: list[Any], verify_rows: list[Any], rounds: int
) -> None:
    import httpx
    import uvicorn

    from factory.web.app import create_app

    app = create_app(config, store, None)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    run_id = "r-0000000042"
    try:
        with httpx.Client(base_url=base, timeout=600) as client:

            def get(url: str, **params: str) -> Callable[[], object]:
                def fetch() -> object:
                    answer = client.get(url, params=params)
                    answer.raise_for_status()
                    return answer

                return fetch

            until = NOW.isoformat()
            page = timed(get("/review", since="30d", until=until, verify="false"), rounds)
            plain = timed(plain_select(path, rows_read), rounds)
            report("dashboard review page, HTTP (no verify)", page, plain)
            page = timed(get("/review", since="30d", until=until), rounds)
            plain = timed(plain_select(path, rows_read + verify_rows), rounds)
            report("dashboard review page, HTTP (verifies)", page, plain)
            run_rows = [
                ("SELECT * FROM runs WHERE id = ?", (run_id,)),
                ("SELECT * FROM events WHERE run_id = ? ORDER BY seq", (run_id,)),
                ("SELECT * FROM runs WHERE id = ?", (run_id,)),
                (
                    "SELECT run_id, seq, ts, kind, actor, payload, prev_hash, hash FROM events "
                    "WHERE run_id = ? ORDER BY seq",
                    (run_id,),
                ),
                ("SELECT * FROM audit_digests WHERE run_id = ? ORDER BY seq", (run_id,)),
                ("SELECT * FROM halts WHERE lifted_at IS NULL", ()),
            ]
            from factory.web.run_page import run_page

            plain = timed(plain_select(path, run_rows), rounds * 3)
            data = timed(lambda: run_page(store, run_id), rounds * 3)
            report("run page's data (run_page(), no HTTP)", data, plain)
            page = timed(get(f"/runs/{run_id}"), rounds * 3)
            report("dashboard run page, HTTP", page, plain)
            report("HTTP round trip of a static page (floor)", timed(get("/login"), rounds * 3))
    finally:
        server.should_exit = True
        thread.join(30)
        listener.close()


if __name__ == "__main__":
    main()
