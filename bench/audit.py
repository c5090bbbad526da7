"""Audit log throughput: appending and verifying events, each against a plain baseline.

- append: `store.events.append_many` (canonical JSON, hashing, chaining, run head, digest row) in
  batches of --batch vs plain `sqlite3` `executemany` of the very same rows into a table of the
  same shape (same indexes, same pragmas), with the same transaction shape: one commit per batch.
  The one-transaction executemany of all rows at once is printed too, for the record.
- verify: `factory.store.audit.verify` (read every row back, re-derive every hash, check links,
  sequence, run head and digest chain) vs `hashlib.sha256` over the very same bytes already in
  memory. Also printed: a plain sqlite3 read of the columns a verifier needs, with and without
  hashing, i.e. the floor any verifier reading from SQLite in Python stands on.

Each side is timed --rounds times after a warm-up round, alternating sides so that load from
elsewhere on the machine falls on both alike; the medians are compared.
Goal: both ratios >= 0.5x. Run: `.venv/bin/python -m bench audit` or
`.venv/bin/python -m bench.audit [--events N] [--batch B] [--rounds R]`.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from factory.store import NewEvent, Store
from factory.store.audit import verify
from factory.store.chain import event_bytes

KINDS = ("tool.call", "tool.result", "model.reply", "test.run")
ACTORS = ("planner", "coder", "tester", "reviewer")
COLUMNS = "run_id, seq, ts, kind, actor, payload, prev_hash, hash"
Row = tuple[str, int, str, str, str, str, str, str]


def make_events(count: int) -> list[NewEvent]:
    return [
        NewEvent(
            KINDS[index % 4],
            ACTORS[index % 4],
            {"step": index, "tool": "run_command", "exit": 0, "transcript": "ab" * 16},
        )
        for index in range(count)
    ]


def time_store_append(path: Path, events: list[NewEvent], batch: int) -> tuple[float, str]:
    with Store(f"sqlite:///{path}") as store:
        run_id = store.runs.create("bench#1", "bench").id
        started = time.perf_counter()
        for start in range(0, len(events), batch):
            store.events.append_many(run_id, events[start : start + batch])
        return time.perf_counter() - started, run_id


def time_single_appends(path: Path, count: int) -> float:
    with Store(f"sqlite:///{path}") as store:
        run_id = store.runs.create("bench#2", "bench").id
        started = time.perf_counter()
        for index in range(count):
            store.events.append(run_id, "tool.call", "coder", {"step": index})
        return time.perf_counter() - started


def stored_rows(path: Path, run_id: str) -> list[Row]:
    with sqlite3.connect(path) as connection:
        query = f"SELECT {COLUMNS} FROM events WHERE run_id = ? ORDER BY seq"
        return connection.execute(query, (run_id,)).fetchall()


def time_plain_insert(path: Path, rows: list[Row], batch: int) -> float:
    """The same rows, the same table shape and pragmas, one transaction per `batch` rows."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, run_id TEXT, seq INTEGER, ts TEXT, "
        "kind TEXT, actor TEXT, payload TEXT, prev_hash TEXT, hash TEXT, UNIQUE (run_id, seq))"
    )
    connection.execute("CREATE INDEX ix_events_run_id ON events (run_id)")
    insert = f"INSERT INTO events ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?)"
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(insert, rows[start : start + batch])
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def hashed_messages(rows: list[Row]) -> list[bytes]:
    return [
        prev.encode() + event_bytes(run, ts, kind, actor, payload)
        for run, _seq, ts, kind, actor, payload, prev, _hash in rows
    ]


def time_plain_hashing(messages: list[bytes]) -> float:
    sha256 = hashlib.sha256
    started = time.perf_counter()
    for message in messages:
        sha256(message).hexdigest()
    return time.perf_counter() - started


def time_plain_read(path: Path, run_id: str, hash_rows: bool) -> float:
    """The columns a verifier needs, read back in chain order (and hashed, if asked)."""
    sha256 = hashlib.sha256
    query = (
        "SELECT seq, ts, kind, actor, payload, prev_hash, hash FROM events "
        "WHERE run_id = ? ORDER BY seq"
    )
    started = time.perf_counter()
    with sqlite3.connect(path) as connection:
        rows = connection.execute(query, (run_id,))
        if hash_rows:
            for _seq, ts, kind, actor, payload, prev, _hash in rows:
                sha256(prev.encode() + event_bytes(run_id, ts, kind, actor, payload)).hexdigest()
        else:
            for _row in rows:
                pass
    return time.perf_counter() - started


def time_verify(path: Path, run_id: str, events: int) -> float:
    with Store(f"sqlite:///{path}") as store:
        started = time.perf_counter()
        report = verify(store, run_id=run_id)
        elapsed = time.perf_counter() - started
    assert report.ok and report.events == events, report.summary()
    return elapsed


def median_of(rounds: int, *timers: Callable[[int], float]) -> list[float]:
    """Each timer once as warm-up, then `rounds` times interleaved; the median of each."""
    for timer in timers:
        timer(-1)
    samples: list[list[float]] = [[] for _ in timers]
    for attempt in range(rounds):
        for index, timer in enumerate(timers):
            samples[index].append(timer(attempt))
    return [statistics.median(times) for times in samples]


def main() -> None:
    parser = argparse.ArgumentParser(description="Audit log append/verify throughput.")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--singles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    count, batch = options.events, options.batch
    events = make_events(count)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        store_path = root / "store.db"
        _elapsed, run_id = time_store_append(store_path, events, batch)
        rows = stored_rows(store_path, run_id)
        messages = hashed_messages(rows)

        def fresh(name: str, attempt: int) -> Path:
            return root / f"{name}{attempt + 1}.db"

        store_time, plain_time, plain_one_time = median_of(
            options.rounds,
            lambda n: time_store_append(fresh("append", n), events, batch)[0],
            lambda n: time_plain_insert(fresh("plain", n), rows, batch),
            lambda n: time_plain_insert(fresh("plain-one", n), rows, count),
        )
        verify_time, hash_time, read_time, read_hash_time = median_of(
            options.rounds,
            lambda _n: time_verify(store_path, run_id, count),
            lambda _n: time_plain_hashing(messages),
            lambda _n: time_plain_read(store_path, run_id, hash_rows=False),
            lambda _n: time_plain_read(store_path, run_id, hash_rows=True),
        )
        single_time = time_single_appends(root / "singles.db", options.singles)
    print(
        f"append {count} events (batches of {batch}, medians of {options.rounds}): "
        f"store {count / store_time:,.0f} ev/s; plain sqlite3 executemany, one commit per "
        f"batch {count / plain_time:,.0f} ev/s; ratio {plain_time / store_time:.2f}x "
        "(goal >= 0.5x)"
    )
    print(
        f"  vs one executemany of all {count} rows in one transaction "
        f"({count / plain_one_time:,.0f} ev/s): {plain_one_time / store_time:.2f}x"
    )
    print(
        f"verify {count} events: store {verify_time:.3f}s ({count / verify_time:,.0f} ev/s); "
        f"plain hashlib of the same bytes {hash_time:.3f}s ({count / hash_time:,.0f} ev/s); "
        f"ratio {hash_time / verify_time:.2f}x (goal >= 0.5x)"
    )
    print(
        f"  floor: plain sqlite3 read of the needed columns {read_time:.3f}s "
        f"(= {read_time / hash_time:.1f}x the hashing), so any SQLite verifier in Python is "
        f"<= {hash_time / (read_time + hash_time):.2f}x; read + rebuild + hash "
        f"{read_hash_time:.3f}s, store verify is {read_hash_time / verify_time:.2f}x of that"
    )
    print(
        f"single appends (one transaction each): {options.singles / single_time:,.0f} ev/s "
        f"({1000 * single_time / options.singles:.2f} ms per event)"
    )


if __name__ == "__main__":
    main()
