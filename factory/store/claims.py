"""Ticket claims: a ticket has at most one open run, and the store says which.

A claim is a row keyed by the ticket (unique), naming the run that holds it. It is taken in
one write transaction (`BEGIN IMMEDIATE` on SQLite, the claim row read `FOR UPDATE SKIP
LOCKED` on PostgreSQL, and the primary key turning a race on a new row into a retried
conflict), so of two processes claiming one ticket exactly one wins. On PostgreSQL a claimant
does not queue behind another transaction holding the claim row: it is refused at once with
`ClaimBusy` (a `TicketClaimed`), so a sweep moves on to its next ticket instead of waiting.
Runs release their claim when they end; a claim left by a run that has ended anyway (its
process died at the wrong moment) or whose run row does not exist is stale, and the next
claimant takes it over.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from factory.store.models import Run, TicketClaim
from factory.store.retrying import retry_on_conflict
from factory.store.sessions import SessionScopes
from factory.store.statuses import OPEN_RUN_STATUSES
from factory.support.errors import FactoryError
from factory.support.utc import utcnow


class TicketClaimed(FactoryError, RuntimeError):
    """The ticket already has an open run; `run_id` names it."""

    code = "ticket_claimed"

    def __init__(self, ticket_key: str, run_id: str, claimed_at: datetime) -> None:
        super().__init__(
            f"ticket {ticket_key} already has an open run, {run_id} "
            f"(since {claimed_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC)"
        )
        self.ticket_key = ticket_key
        self.run_id = run_id
        self.claimed_at = claimed_at


class ClaimBusy(TicketClaimed):
    """Another transaction holds the ticket's claim row right now (PostgreSQL's SKIP LOCKED)."""

    def __init__(self, ticket_key: str, run_id: str, claimed_at: datetime) -> None:
        super().__init__(ticket_key, run_id, claimed_at)
        self.args = (
            f"another process is changing ticket {ticket_key}'s claim right now "
            f"(last held by run {run_id}); try again in a moment",
        )


class ClaimRepository:
    """Ticket claims: taken (or taken over when stale), released, and read as recorded."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def claim(self, ticket_key: str, run_id: str) -> TicketClaim:
        """Make `run_id` the ticket's open run, or raise TicketClaimed naming the one there is.

        Idempotent for the run that already holds the claim.
        """

        def claim() -> TicketClaim:
            # A retry re-reads the claim another process inserted between our read and insert.
            with self._scopes.write() as session:
                return take_claim(session, ticket_key, run_id)

        return retry_on_conflict(claim)

    def release(self, ticket_key: str, run_id: str) -> bool:
        """Drop the claim if `run_id` holds it; False (and no change) otherwise."""
        with self._scopes.write() as session:
            result = session.execute(
                delete(TicketClaim).where(
                    TicketClaim.ticket_key == ticket_key, TicketClaim.run_id == run_id
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def release_run(self, run_id: str) -> list[str]:
        """Drop every claim `run_id` holds (it ended); returns the ticket keys released."""
        with self._scopes.write() as session:
            keys = list(
                session.scalars(select(TicketClaim.ticket_key).where(TicketClaim.run_id == run_id))
            )
            if keys:
                session.execute(delete(TicketClaim).where(TicketClaim.run_id == run_id))
            return keys

    def of_ticket(self, ticket_key: str) -> TicketClaim | None:
        """The ticket's claim as recorded (it may be stale; `claim` decides that)."""
        with self._scopes.read() as session:
            return session.get(TicketClaim, ticket_key)


def take_claim(session: Session, ticket_key: str, run_id: str) -> TicketClaim:
    """Claim inside the caller's write transaction (also used when a run is created)."""
    claim = session.scalar(
        select(TicketClaim)
        .where(TicketClaim.ticket_key == ticket_key)
        .with_for_update(skip_locked=True)  # SQLite has no row locks: its write lock serialises
    )
    if claim is None:
        # None is also what SKIP LOCKED returns for a row another transaction holds.
        held = session.execute(
            select(TicketClaim.run_id, TicketClaim.claimed_at).where(
                TicketClaim.ticket_key == ticket_key
            )
        ).first()
        if held is not None:
            raise ClaimBusy(ticket_key, held.run_id, held.claimed_at)
        claim = TicketClaim(ticket_key=ticket_key, run_id=run_id, claimed_at=utcnow())
        session.add(claim)
        session.flush()
        return claim
    if claim.run_id == run_id:
        return claim
    holder = session.get(Run, claim.run_id)
    if holder is not None and holder.status in OPEN_RUN_STATUSES:
        raise TicketClaimed(ticket_key, claim.run_id, claim.claimed_at)
    claim.run_id, claim.claimed_at = run_id, utcnow()
    session.flush()
    return claim
