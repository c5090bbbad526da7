"""Audit log appends on PostgreSQL, against a plain psycopg `executemany` of the same rows.

- store: `store.events.append_many` (canonical JSON, hashing, chaining; the run row locked FOR
  UPDATE, its head moved; the digest chain's advisory lock and row) in batches of --batch.
- baseline: psycopg 3 `executemany` of the very same rows into a table of the same shape (same
  unique key and index), one transaction per batch, on the same server.
Both sides get a fresh database per round on the same cluster; after a warm-up round each
side runs --rounds times, alternating, and the medians are compared. Goal: >= 0.5x.

Needs PostgreSQL: FACTORY_TEST_POSTGRES_URL, else the throwaway cluster `.ci/postgres.sh`
finds or starts; without one it prints why and skips.
Run: `.venv/bin/python -m bench postgres_store` or
`.venv/bin/python -m bench.postgres_store [--events N] [--batch B] [--rounds R]`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench._scratch_postgres import fresh_postgres_database, postgres_server_url
from bench.audit import COLUMNS, make_events
from factory.store import NewEvent, Store
from factory.store.database import libpq_dsn

PLAIN_TABLE = (
    "CREATE TABLE events (id SERIAL PRIMARY KEY, run_id VARCHAR(32) NOT NULL, "
    "seq INTEGER NOT NULL, ts VARCHAR(32) NOT NULL, kind VARCHAR(100) NOT NULL, "
    "actor VARCHAR(100) NOT NULL, payload TEXT NOT NULL, prev_hash VARCHAR(64) NOT NULL, "
    "hash VARCHAR(64) NOT NULL, UNIQUE (run_id, seq)); "
    "CREATE INDEX ix_events_run_id ON events (run_id)"
)


def time_store_append(server: str, events: list[NewEvent], batch: int) -> float:
    with fresh_postgres_database(server) as url, Store(url) as store:
        run_id = store.runs.create("bench#1", "bench").id
        started = time.perf_counter()
        for start in range(0, len(events), batch):
            store.events.append_many(run_id, events[start : start + batch])
        return time.perf_counter() - started


def stored_rows(server: str, events: list[NewEvent]) -> list[tuple[Any, ...]]:
    """The exact rows the store writes for these events (hashes and all)."""
    import psycopg

    with fresh_postgres_database(server) as url:
        with Store(url) as store:
            run_id = store.runs.create("bench#rows", "bench").id
            store.events.append_many(run_id, events)
        with psycopg.connect(libpq_dsn(url)) as connection:
            query = f"SELECT {COLUMNS} FROM events WHERE run_id = %s ORDER BY seq"
            return connection.execute(query, (run_id,)).fetchall()


def time_plain_insert(server: str, rows: list[tuple[Any, ...]], batch: int) -> float:
    import psycopg

    insert = f"INSERT INTO events ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    with fresh_postgres_database(server) as url, psycopg.connect(libpq_dsn(url)) as connection:
        connection.execute(PLAIN_TABLE)
        connection.commit()
        started = time.perf_counter()
        for start in range(0, len(rows), batch):
            with connection.cursor() as cursor:
                cursor.executemany(insert, rows[start : start + batch])
            connection.commit()
        return time.perf_counter() - started


def time_single_appends(server: str, count: int) -> float:
    with fresh_postgres_database(server) as url, Store(url) as store:
        run_id = store.runs.create("bench#2", "bench").id
        started = time.perf_counter()
        for index in range(count):
            store.events.append(run_id, "tool.call", "coder", {"step": index})
        return time.perf_counter() - started


def median_of(rounds: int, *timers: Callable[[], float]) -> list[float]:
    for timer in timers:
        timer()
    samples: list[list[float]] = [[] for _ in timers]
    for _ in range(rounds):
        for index, timer in enumerate(timers):
            samples[index].append(timer())
    return [statistics.median(times) for times in samples]


def main() -> None:
    parser = argparse.ArgumentParser(description="Audit appends on PostgreSQL vs executemany.")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    server = postgres_server_url()
    if server is None:
        print(
            "SKIPPED: PostgreSQL unavailable (set FACTORY_TEST_POSTGRES_URL or install Debian's "
            "postgresql for .ci/postgres.sh); no PostgreSQL figures this run"
        )
        return
    count, batch = options.events, options.batch
    events = make_events(count)
    rows = stored_rows(server, events)
    store_time, plain_time = median_of(
        options.rounds,
        lambda: time_store_append(server, events, batch),
        lambda: time_plain_insert(server, rows, batch),
    )
    single_time = time_single_appends(server, options.singles)
    print(
        f"PostgreSQL append {count} events (batches of {batch}, medians of {options.rounds}): "
        f"store {count / store_time:,.0f} ev/s; plain psycopg executemany, one commit per "
        f"batch {count / plain_time:,.0f} ev/s; ratio {plain_time / store_time:.2f}x "
        "(goal >= 0.5x)"
    )
    print(
        f"PostgreSQL single appends (one transaction each): "
        f"{options.singles / single_time:,.0f} ev/s ({1000 * single_time / options.singles:.2f} "
        "ms per event)"
    )


if __name__ == "__main__":
    main()
