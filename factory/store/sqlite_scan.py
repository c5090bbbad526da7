"""SQLite's fast path for verification: re-derive each run's chain straight off the driver.

Verification is bound by getting rows out of the database: on SQLite, stepping the cursor and
building a row's Python strings costs more than hashing it. This path reads through the raw
sqlite3 cursor (no SQLAlchemy result rows), selects only the columns the chain needs in chain
order (served by the unique (run_id, seq) index), and rebuilds each event's hashed bytes with one
f-string, with exactly the quoting `chain.event_bytes` uses.

It only ever vouches for a run: one whose every link, hash and sequence number checks out. Any
surprise (a mismatch, a NULL, a value stored with another type) marks the run for the
dialect-neutral walk in `factory.store.audit`, which re-reads it and names what happened, so
this path cannot hide a break, only hand it over.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection

from factory.store.chain import GENESIS, quoted

RUN_EVENTS = (
    "SELECT seq, ts, kind, actor, payload, prev_hash, hash FROM events "
    "WHERE run_id = ? ORDER BY seq"
)
RUNS_WITH_EVENTS = "SELECT DISTINCT run_id FROM events ORDER BY run_id"
SURPRISES = (TypeError, AttributeError, ValueError)


def usable(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite" and connection.dialect.driver == "pysqlite"


def scan_runs(
    connection: Connection, run_id: str | None
) -> list[tuple[str, list[str] | None]] | None:
    """(run id, its hashes in order) for each run with events; None for a run to re-check.

    None instead of a list when some event's run id is not text (a BLOB, say): only the
    neutral walk groups such rows as it should, so it gets the whole job. Reads in the
    connection's current transaction, so it sees the snapshot the rest of verification sees.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        if run_id is None:
            run_ids = [row[0] for row in cursor.execute(RUNS_WITH_EVENTS).fetchall()]
            if not all(isinstance(rid, str) for rid in run_ids):
                return None
        else:
            run_ids = [run_id]
        scanned = [(rid, _intact_chain(cursor, rid)) for rid in run_ids]
    finally:
        cursor.close()
    # A run with no rows is not in the neutral walk either: the caller reports it.
    return [(rid, hashes) for rid, hashes in scanned if hashes != []]


def _intact_chain(cursor: Any, run_id: str) -> list[str] | None:
    sha256 = hashlib.sha256
    tail = f',"run_id":{quoted(run_id)},"ts":'
    expected = GENESIS
    hashes: list[str] = []
    try:
        cursor.execute(RUN_EVENTS, (run_id,))
        for position, (seq, ts, kind, actor, payload, prev, digest) in enumerate(cursor, 1):
            if prev != expected or seq != position or type(payload) is not str:
                return None
            content = (
                f'{prev}{{"actor":{quoted(actor)},"kind":{quoted(kind)},"payload":{payload}'
                f"{tail}{quoted(ts)}}}"
            )
            if sha256(content.encode()).hexdigest() != digest:
                return None
            hashes.append(digest)
            expected = digest
    except SURPRISES:
        return None
    return hashes
