"""Audit log throughput: appending and verifying events, each against a plain baseline.

- append: `Store.append_events` (hashing, chaining, run head, digest row; batches of --batch)
  vs a plain `sqlite3` `executemany` of the very same rows into the same table shape.
- verify: `factory.store.audit.verify` (read every row back, re-derive every hash, check links,
  heads and digests) vs `hashlib.sha256` over the very same bytes already in memory.

Goal: both ratios >= 0.5x. Run: `.venv/bin/python -m bench.audit [--events N] [--batch B]`
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import tempfile
import time
from pathlib import Path

from factory.store import NewEvent, Store
from factory.store.audit import verify
from factory.store.chain import event_bytes

KINDS = ("tool.call", "tool.result", "model.reply", "test.run")
ACTORS = ("planner", "coder", "tester", "reviewer")
COLUMNS = "run_id, seq, ts, kind, actor, payload, prev_hash, hash"


def make_events(count: int) -> list[NewEvent]:
    return [
        NewEvent(
            KINDS[index % 4],
            ACTORS[index % 4],
            {"step": index, "tool": "run_command", "exit": 0, "transcript": "ab" * 16},
        )
        for index in range(count)
    ]


def time_store_append(url: str, events: list[NewEvent], batch: int) -> tuple[float, str]:
    with Store(url) as store:
        run_id = store.create_run("bench#1", "bench").id
        started = time.perf_counter()
        for start in range(0, len(events), batch):
            store.append_events(run_id, events[start : start + batch])
        return time.perf_counter() - started, run_id


def time_single_appends(url: str, count: int) -> float:
    with Store(url) as store:
        run_id = store.create_run("bench#2", "bench").id
        started = time.perf_counter()
        for index in range(count):
            store.append_event(run_id, "tool.call", "coder", {"step": index})
        return time.perf_counter() - started


def stored_rows(path: Path, run_id: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        query = f"SELECT {COLUMNS} FROM events WHERE run_id = ? ORDER BY seq"
        return connection.execute(query, (run_id,)).fetchall()


def time_plain_insert(path: Path, rows: list[tuple[object, ...]]) -> float:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, run_id TEXT, seq INTEGER, ts TEXT, "
        "kind TEXT, actor TEXT, payload TEXT, prev_hash TEXT, hash TEXT, UNIQUE (run_id, seq))"
    )
    connection.execute("CREATE INDEX ix_events_run_id ON events (run_id)")
    connection.commit()
    started = time.perf_counter()
    connection.executemany(f"INSERT INTO events ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?)", rows)
    connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def time_plain_hashing(rows: list[tuple[object, ...]]) -> float:
    messages = [
        str(prev).encode() + event_bytes(str(run), str(ts), str(kind), str(actor), str(payload))
        for run, _seq, ts, kind, actor, payload, prev, _hash in rows
    ]
    sha256 = hashlib.sha256
    started = time.perf_counter()
    for message in messages:
        sha256(message).hexdigest()
    return time.perf_counter() - started


def time_plain_read_and_hash(path: Path) -> float:
    """The least any verifier must do: read every row back, rebuild its bytes, hash them."""
    sha256 = hashlib.sha256
    started = time.perf_counter()
    with sqlite3.connect(path) as connection:
        rows = connection.execute(f"SELECT {COLUMNS} FROM events ORDER BY run_id, seq")
        for run, _seq, ts, kind, actor, payload, prev, _hash in rows:
            sha256(prev.encode() + event_bytes(run, ts, kind, actor, payload)).hexdigest()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="Audit log append/verify throughput.")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--singles", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    events = make_events(options.events)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        # Best of `repeats` for both sides, each into a fresh file, alternating so that load
        # from anything else on the machine falls on both alike.
        store_times, plain_times = [], []
        for attempt in range(options.repeats):
            store_path = root / f"store{attempt}.db"
            url = f"sqlite:///{store_path}"
            elapsed, run_id = time_store_append(url, events, options.batch)
            store_times.append(elapsed)
            if attempt == 0:
                rows = stored_rows(store_path, run_id)
            plain_times.append(time_plain_insert(root / f"plain{attempt}.db", rows))
        store_time, plain_time = min(store_times), min(plain_times)
        single_time = time_single_appends(f"sqlite:///{root / 'singles.db'}", options.singles)
        with Store(url) as store:
            verify_times = []
            for _ in range(options.repeats):
                started = time.perf_counter()
                report = verify(store, run_id=run_id)
                verify_times.append(time.perf_counter() - started)
            assert report.ok and report.events == options.events, report.summary()
        verify_time = min(verify_times)
        hash_time = min(time_plain_hashing(rows) for _ in range(options.repeats))
        read_hash_time = min(time_plain_read_and_hash(store_path) for _ in range(options.repeats))
    count = options.events
    append_ratio = plain_time / store_time
    verify_ratio = hash_time / verify_time
    print(
        f"append {count} events (batches of {options.batch}): store {count / store_time:,.0f} "
        f"ev/s; plain sqlite3 executemany {count / plain_time:,.0f} ev/s; "
        f"ratio {append_ratio:.2f}x (goal >= 0.5x)"
    )
    print(
        f"verify {count} events: store {verify_time:.3f}s ({count / verify_time:,.0f} ev/s); "
        f"plain hashlib {hash_time:.3f}s ({count / hash_time:,.0f} ev/s); "
        f"ratio {verify_ratio:.2f}x (goal >= 0.5x)"
    )
    print(
        f"verify vs plain sqlite3 read + hashlib of the same rows ({read_hash_time:.3f}s): "
        f"ratio {read_hash_time / verify_time:.2f}x"
    )
    print(
        f"single appends (one transaction each): {options.singles / single_time:,.0f} ev/s "
        f"({1000 * single_time / options.singles:.2f} ms per event)"
    )


if __name__ == "__main__":
    main()
