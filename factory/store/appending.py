"""Extending a run's hash chain and the global digest chain, inside one write transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import count
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update

from factory.store.chain import GENESIS, canonical_json, digest_hash, link_hashes, timestamp
from factory.store.models import AuditDigest, Event, Run
from factory.support.errors import FactoryError
from factory.support.utc import utcnow

EVENTS = cast(Table, Event.__table__)
RUNS = cast(Table, Run.__table__)
DIGESTS = cast(Table, AuditDigest.__table__)
EVENT_COLUMNS = ("run_id", "seq", "ts", "kind", "actor", "payload", "prev_hash", "hash")

# Built once so SQLAlchemy's statement cache hits: a single append is a handful of statements
# and building them afresh each time cost more than the database work itself.
HEAD_OF_RUN = (
    select(RUNS.c.head_hash, RUNS.c.event_count)
    .where(RUNS.c.id == bindparam("run_id"))
    .with_for_update()
)
MOVE_HEAD = (
    update(RUNS)
    .where(RUNS.c.id == bindparam("run_id"))
    .values(
        head_hash=bindparam("head"), event_count=bindparam("count"), updated_at=bindparam("now")
    )
)
LAST_DIGEST = select(DIGESTS.c.seq, DIGESTS.c.hash).order_by(DIGESTS.c.seq.desc()).limit(1)
INSERT_DIGEST = insert(DIGESTS)
DIGEST_CHAIN_LOCK = select(func.pg_advisory_xact_lock(0x46414354))  # "FACT"
_COMPILED_INSERTS: dict[tuple[str, str, str, tuple[str, ...]], tuple[str, bool, list[int]]] = {}


class NewEvent(NamedTuple):
    """An event to append: what happened (`kind`), who did it (`actor`), and JSON details."""

    kind: str
    actor: str
    payload: Mapping[str, Any] | None = None


class EncodedEvent(NamedTuple):
    """A NewEvent with its payload as canonical JSON text: exactly what is stored and hashed."""

    kind: str
    actor: str
    payload: str


class ChainHead(NamedTuple):
    """The tip of a run's chain after an append."""

    run_id: str
    event_count: int
    head_hash: str


class RunNotFoundError(FactoryError, KeyError):
    """No run has this id."""

    code = "not_found"

    def __str__(self) -> str:
        return f"no run {self.args[0]!r}; `factory runs list` shows the runs there are"


def encode_events(items: Iterable[NewEvent]) -> list[EncodedEvent]:
    """Validate and canonicalise once, before any lock is taken (and not again on a retry)."""
    encoded: list[EncodedEvent] = []
    for kind, actor, payload in items:
        if not kind or not actor:
            raise ValueError("an event needs a non-empty kind and actor")
        body = payload if isinstance(payload, dict) else dict(payload or {})
        encoded.append(EncodedEvent(kind, actor, canonical_json(body)))
    return encoded


def append_to_chain(
    connection: Connection, run_id: str, entries: Sequence[EncodedEvent]
) -> tuple[ChainHead, list[tuple[Any, ...]]]:
    """Append `entries` after the run's head, move the head, and add one global digest row.

    Must run in a write transaction: on SQLite it holds the write lock from its first
    statement, elsewhere the run row is locked (`FOR UPDATE`), and the unique (run_id, seq)
    and digest `seq` keys turn any remaining race into an error the caller retries, never a
    forked chain.
    Returns the new head and the inserted rows as tuples in EVENT_COLUMNS order.
    """
    head = connection.execute(HEAD_OF_RUN, {"run_id": run_id}).first()
    if head is None:
        raise RunNotFoundError(run_id)
    if not entries:
        return ChainHead(run_id, head.event_count, head.head_hash), []
    ts = timestamp()
    hashes = list(link_hashes(head.head_hash, run_id, ts, entries))
    links = [head.head_hash, *hashes[:-1]]
    first_seq = head.event_count + 1
    rows: list[tuple[Any, ...]] = [
        (run_id, seq, ts, kind, actor, payload, link, digest)
        for seq, (kind, actor, payload), link, digest in zip(
            count(first_seq), entries, links, hashes, strict=False
        )
    ]
    seq, new_head = head.event_count + len(rows), hashes[-1]
    insert_rows(connection, EVENTS, EVENT_COLUMNS, rows)
    connection.execute(
        MOVE_HEAD, {"run_id": run_id, "head": new_head, "count": seq, "now": utcnow()}
    )
    record_digest(connection, run_id, seq, new_head, ts)
    return ChainHead(run_id, seq, new_head), rows


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """executemany of plain tuples, with the INSERT compiled for whatever dialect this is.

    Going through the compiled statement's driver SQL skips per-row parameter processing,
    which otherwise costs more than hashing and inserting together (see bench/audit.py).
    """
    key = (connection.dialect.name, connection.dialect.paramstyle, table.name, tuple(columns))
    if key not in _COMPILED_INSERTS:
        compiled = insert(table).compile(dialect=connection.dialect, column_keys=list(columns))
        order = [columns.index(name) for name in compiled.positiontup or ()]
        _COMPILED_INSERTS[key] = (str(compiled), compiled.positional, order)
    sql, positional, order = _COMPILED_INSERTS[key]
    if not positional:
        connection.exec_driver_sql(sql, [dict(zip(columns, row, strict=True)) for row in rows])
        return
    if order != list(range(len(columns))):
        rows = [tuple(row[index] for index in order) for row in rows]
    connection.exec_driver_sql(sql, rows)


def record_digest(connection: Connection, run_id: str, count: int, head: str, ts: str) -> None:
    """Chain the run's new head onto the global digest chain.

    The digest chain is one line through every run, so its tail is taken by one writer at a
    time. SQLite's write lock already does that; on PostgreSQL, where writers to different runs
    hold different run rows, a transaction-scoped advisory lock does (taken after the run row,
    always in that order, and released at commit). Without it concurrent writers all read the
    same last row and all but one would fail on the digest key and retry.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(DIGEST_CHAIN_LOCK)
    last = connection.execute(LAST_DIGEST).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    connection.execute(
        INSERT_DIGEST,
        {
            "seq": seq,
            "ts": ts,
            "run_id": run_id,
            "event_count": count,
            "run_head": head,
            "prev_hash": prev,
            "hash": digest_hash(prev, seq, ts, run_id, count, head),
        },
    )
