"""`EventRepository`: the audit log's door: append to a run's chain, read it, stream it.

Events have no update or delete method on purpose: the log is append-only. The chain itself
(hashing, linking, the digest row) is `appending.py`'s; this class gives it a transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from factory.store.appending import (
    EVENT_COLUMNS,
    ChainHead,
    NewEvent,
    append_to_chain,
    encode_events,
)
from factory.store.chain import timestamp
from factory.store.models import Event
from factory.store.retrying import retry_on_conflict
from factory.store.sessions import SessionScopes


class EventRepository:
    """A run's hash-chained events: `append`, `append_many`, `read`, `iterate`."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def append(
        self, run_id: str, kind: str, actor: str, payload: Mapping[str, Any] | None = None
    ) -> Event:
        """Append one event to the run's chain. `actor`: an agent role, `human:<name>`, `system`."""
        _head, rows = self._append(run_id, [NewEvent(kind, actor, payload)])
        return Event(**dict(zip(EVENT_COLUMNS, rows[0], strict=True)))

    def append_many(self, run_id: str, events: Iterable[NewEvent]) -> ChainHead:
        """Append many events in one transaction (one digest row); returns the new head."""
        head, _rows = self._append(run_id, list(events))
        return head

    def _append(
        self, run_id: str, items: Sequence[NewEvent]
    ) -> tuple[ChainHead, list[tuple[Any, ...]]]:
        entries = encode_events(items)

        def append() -> tuple[ChainHead, list[tuple[Any, ...]]]:
            # A retry re-reads the head another writer moved between our read and insert.
            with self._scopes.write() as session:
                return append_to_chain(session.connection(), run_id, entries)

        return retry_on_conflict(append)

    def read(self, run_id: str) -> list[Event]:
        """The run's events in order: its trajectory."""
        with self._scopes.read() as session:
            return list(
                session.scalars(select(Event).where(Event.run_id == run_id).order_by(Event.seq))
            )

    def iterate(
        self, run_id: str | None = None, since: datetime | str | None = None, batch: int = 1000
    ) -> Iterator[Event]:
        """Stream events (all runs, or one) in insertion order, optionally from a time on."""
        query = select(Event).order_by(Event.id)
        if run_id is not None:
            query = query.where(Event.run_id == run_id)
        if since is not None:
            query = query.where(Event.ts >= (since if isinstance(since, str) else timestamp(since)))
        last_id = 0
        while True:
            with self._scopes.read() as session:
                chunk = list(session.scalars(query.where(Event.id > last_id).limit(batch)))
            yield from chunk
            if len(chunk) < batch:
                return
            last_id = chunk[-1].id
