"""Extending a run's hash chain and the global digest chain, inside one write transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Table, insert, select, update

from factory.store.chain import GENESIS, canonical_json, digest_hash, event_hash, timestamp
from factory.store.models import AuditDigest, Event, Run, utcnow

EVENTS = cast(Table, Event.__table__)
RUNS = cast(Table, Run.__table__)
DIGESTS = cast(Table, AuditDigest.__table__)


class NewEvent(NamedTuple):
    """An event to append: what happened (`kind`), who did it (`actor`), and JSON details."""

    kind: str
    actor: str
    payload: Mapping[str, Any] | None = None


class ChainHead(NamedTuple):
    """The tip of a run's chain after an append."""

    run_id: str
    event_count: int
    head_hash: str


class RunNotFoundError(KeyError):
    """No run has this id."""

    def __str__(self) -> str:
        return f"no run {self.args[0]!r}; `factory runs list` shows the runs there are"


def append_to_chain(
    connection: Connection, run_id: str, items: Iterable[NewEvent]
) -> tuple[ChainHead, list[dict[str, Any]]]:
    """Append `items` after the run's head, move the head, and add one global digest row.

    Must run in a write transaction: on SQLite it holds the write lock from its first
    statement, elsewhere the run row is locked, and the unique (run_id, seq) and digest `seq`
    keys turn any remaining race into an error the caller retries, never a forked chain.
    """
    head = connection.execute(
        select(RUNS.c.head_hash, RUNS.c.event_count).where(RUNS.c.id == run_id).with_for_update()
    ).first()
    if head is None:
        raise RunNotFoundError(run_id)
    prev, seq = head.head_hash, head.event_count
    ts = timestamp()
    rows: list[dict[str, Any]] = []
    for kind, actor, payload in items:
        if not kind or not actor:
            raise ValueError("an event needs a non-empty kind and actor")
        payload_json = canonical_json(dict(payload or {}))
        seq += 1
        digest = event_hash(prev, run_id, ts, kind, actor, payload_json)
        rows.append(
            {
                "run_id": run_id,
                "seq": seq,
                "ts": ts,
                "kind": kind,
                "actor": actor,
                "payload": payload_json,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    if rows:
        connection.execute(insert(EVENTS), rows)
        connection.execute(
            update(RUNS)
            .where(RUNS.c.id == run_id)
            .values(head_hash=prev, event_count=seq, updated_at=utcnow())
        )
        record_digest(connection, run_id, seq, prev, ts)
    return ChainHead(run_id, seq, prev), rows


def record_digest(connection: Connection, run_id: str, count: int, head: str, ts: str) -> None:
    """Chain the run's new head onto the global digest chain."""
    last = connection.execute(
        select(DIGESTS.c.seq, DIGESTS.c.hash).order_by(DIGESTS.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    connection.execute(
        insert(DIGESTS).values(
            seq=seq,
            ts=ts,
            run_id=run_id,
            event_count=count,
            run_head=head,
            prev_hash=prev,
            hash=digest_hash(prev, seq, ts, run_id, count, head),
        )
    )
