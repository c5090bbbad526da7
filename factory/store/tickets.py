"""`TicketRepository`: tickets as they were read, and the backlog `factory ticket add` fills."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select

from factory.store.models import TicketRecord
from factory.store.sessions import SessionScopes
from factory.support.utc import utcnow


class TicketRepository:
    """Ticket records: each run's ticket as read from its source, and the store's backlog."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def record(
        self, ref: str, title: str, body: str, *, labels: Sequence[str] = (), source: str
    ) -> TicketRecord:
        """Insert or refresh a ticket as read from its source (`github`, `file`, `stdin`...)."""
        with self._scopes.write() as session:
            ticket = session.get(TicketRecord, ref) or TicketRecord(ref=ref, created_at=utcnow())
            ticket.title, ticket.body, ticket.source = title, body, source
            ticket.labels = json.dumps(list(labels))
            ticket.updated_at = utcnow()
            session.add(ticket)
        return ticket

    def get(self, ref: str) -> TicketRecord | None:
        with self._scopes.read() as session:
            return session.get(TicketRecord, ref)

    def add_to_backlog(
        self,
        ref: str,
        *,
        title: str,
        body: str,
        repo: str,
        labels: Sequence[str] = (),
        priority: str | None = None,
        source: str = "store",
    ) -> TicketRecord:
        """Put a ticket in the backlog (or refresh it): the next sweep of `repo` considers it."""
        with self._scopes.write() as session:
            ticket = session.get(TicketRecord, ref) or TicketRecord(ref=ref, created_at=utcnow())
            ticket.title, ticket.body, ticket.source = title, body, source
            ticket.labels = json.dumps(list(labels))
            ticket.repo, ticket.priority, ticket.backlog = repo, priority, True
            ticket.updated_at = utcnow()
            session.add(ticket)
        return ticket

    def in_backlog(self, ref: str) -> TicketRecord | None:
        """One ticket of the store's backlog by its identity, if it is there."""
        with self._scopes.read() as session:
            ticket = session.get(TicketRecord, ref)
        return ticket if ticket is not None and ticket.backlog else None

    def backlog(self, repo: str | None = None) -> list[TicketRecord]:
        """Tickets added with `factory ticket add`, oldest first."""
        query = (
            select(TicketRecord)
            .where(TicketRecord.backlog.is_(True))
            .order_by(TicketRecord.created_at)
        )
        if repo is not None:
            query = query.where(TicketRecord.repo == repo)
        with self._scopes.read() as session:
            return list(session.scalars(query))
