"""`SweepRepository`: the `sweeps` table, each sweep's own audit chain, and its row lock.

A sweep's own audit events (`sweep.started`, `sweep.skipped`, `sweep.finished`) go into the
same hash-chained log as runs' events. The chain needs a head row in `runs`, so a sweep is
anchored by one whose id is the sweep's (`s-...`), ticket `sweep`, repository `*`; run
listings leave these rows out, `factory audit verify` covers them like any other chain.

A sweep driven by workers (`factory sweep --enqueue`) has no process of its own: its owner is
`WORKERS_OWNER`, and each run job extends its chain under `SweepTransaction`, the sweep row
locked (`FOR UPDATE` on PostgreSQL; SQLite's write lock), so the budget is checked and the
sweep finished by one job at a time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from factory.store.appending import NewEvent, append_to_chain, encode_events, record_digest
from factory.store.chain import GENESIS, timestamp
from factory.store.events import EventRepository
from factory.store.models import Event, Run, Sweep
from factory.store.sessions import SessionScopes
from factory.store.statuses import RunStatus
from factory.support.utc import utcnow
from sandboxes.labels import owner_is_gone, owner_label, parse_owner

SWEEP_ID_PREFIX = "s-"
SWEEP_ANCHOR_REPO = "*"
SWEEP_ANCHOR_TICKET = "sweep"
WORKERS_OWNER = "workers"
"""The owner of a sweep whose tickets are run jobs (`factory sweep --enqueue`): no one process."""


def observed_sweep_status(sweep: Sweep) -> str:
    """`running` only while its process lives: a sweep whose process died is `interrupted`.

    (An owner on another host cannot be checked from here and is taken at its word.)
    """
    if sweep.status != "running":
        return sweep.status
    owner = parse_owner(sweep.owner)
    return "interrupted" if owner is not None and owner_is_gone(*owner) else "running"


class SweepRepository:
    """Sweeps: created with their chain's anchor, extended, finished once, read and listed."""

    def __init__(self, scopes: SessionScopes, events: EventRepository) -> None:
        self._scopes = scopes
        self._events = events

    def create(self, params: Mapping[str, Any], owner: str | None = None) -> Sweep:
        """A new running sweep, and the anchor of its audit chain. `owner`: this process
        (`host:pid`, the owner label sandboxes use) unless given."""
        sweep_id = f"{SWEEP_ID_PREFIX}{uuid.uuid4().hex[:10]}"
        sweep = Sweep(
            id=sweep_id,
            status="running",
            params=json.dumps(dict(params), default=str),
            owner=owner or owner_label(),
            started_at=utcnow(),
            totals="{}",
        )
        anchor = Run(
            id=sweep_id,
            ticket_ref=SWEEP_ANCHOR_TICKET,
            repo=SWEEP_ANCHOR_REPO,
            status=RunStatus.DONE.value,
            cost_usd=0.0,
            tokens_in=0,
            tokens_out=0,
            head_hash=GENESIS,
            event_count=0,
        )
        with self._scopes.write() as session:
            session.add(sweep)
            session.add(anchor)
            session.flush()
            record_digest(session.connection(), sweep_id, 0, GENESIS, timestamp())
        return sweep

    def record_event(self, sweep_id: str, kind: str, payload: Mapping[str, Any]) -> None:
        """Append to the sweep's own chain (`sweep.started`, `sweep.skipped`, ...)."""
        self._events.append(sweep_id, kind, "system", payload)

    def finish(
        self,
        sweep_id: str,
        status: str,
        report: Mapping[str, Any],
        finished: Mapping[str, Any] | None = None,
    ) -> bool:
        """End a running sweep: `sweep.finished` (with `finished`, the totals) and the row's
        status and report, in one transaction. False, with nothing written, when the sweep
        was no longer running (another process finished it first)."""
        with self.transaction(sweep_id) as sweep:
            if sweep.status != "running":
                return False
            sweep.finish(status, report, finished)
            return True

    @contextmanager
    def transaction(self, sweep_id: str) -> Iterator[SweepTransaction]:
        """The sweep's row, locked until the `with` ends; its chain extended in the same
        transaction. Inside, call no other writing method of the store (SQLite would wait on
        its own write lock); reads are fine."""
        with self._scopes.write() as session:
            query = select(Sweep).where(Sweep.id == sweep_id).with_for_update()
            row = session.scalars(query).first()
            if row is None:
                raise KeyError(f"no sweep {sweep_id!r}")
            yield SweepTransaction(session, row)

    def running(self, owner: str) -> list[Sweep]:
        """Sweeps of this owner (e.g. `WORKERS_OWNER`) still running, oldest first."""
        query = (
            select(Sweep)
            .where(Sweep.status == "running", Sweep.owner == owner)
            .order_by(Sweep.started_at, Sweep.id)
        )
        with self._scopes.read() as session:
            return list(session.scalars(query))

    def get(self, sweep_id: str) -> Sweep | None:
        with self._scopes.read() as session:
            return session.get(Sweep, sweep_id)

    def latest(self, limit: int = 20) -> list[Sweep]:
        """Newest first."""
        query = select(Sweep).order_by(Sweep.started_at.desc(), Sweep.id).limit(limit)
        with self._scopes.read() as session:
            return list(session.scalars(query))


class SweepTransaction:
    """A sweep's row, locked, and its chain, within one write transaction
    (`SweepRepository.transaction`)."""

    def __init__(self, session: Session, row: Sweep) -> None:
        self._session = session
        self.row = row

    @property
    def status(self) -> str:
        return self.row.status

    def params(self) -> dict[str, Any]:
        loaded = json.loads(self.row.params or "{}")
        return loaded if isinstance(loaded, dict) else {}

    def events(self) -> list[tuple[str, str, dict[str, Any]]]:
        """The chain so far, in order: (kind, timestamp, payload)."""
        rows = self._session.execute(
            select(Event.kind, Event.ts, Event.payload)
            .where(Event.run_id == self.row.id)
            .order_by(Event.seq)
        )
        return [(kind, ts, json.loads(payload)) for kind, ts, payload in rows]

    def append(self, kind: str, payload: Mapping[str, Any]) -> None:
        entries = encode_events([NewEvent(kind, "system", payload)])
        append_to_chain(self._session.connection(), self.row.id, entries)

    def finish(
        self, status: str, report: Mapping[str, Any], finished: Mapping[str, Any] | None = None
    ) -> None:
        """`sweep.finished` and the row's status, finish time and report."""
        self.append("sweep.finished", dict(finished if finished is not None else report))
        self.row.status = status
        self.row.finished_at = utcnow()
        self.row.totals = json.dumps(dict(report), default=str)
