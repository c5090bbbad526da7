"""`HaltRepository`: the kill switch's records; lifted halts stay as history."""

from __future__ import annotations

import hashlib
from datetime import UTC

from sqlalchemy import func, select

from factory.store.models import Halt
from factory.store.sessions import SessionScopes
from factory.support.errors import FactoryError
from factory.support.utc import utcnow


class AlreadyHalted(FactoryError, RuntimeError):
    """The scope already has an active halt: "already halted by X since T"."""

    code = "already_halted"

    def __init__(self, halt: Halt) -> None:
        target = "the whole factory" if halt.scope == "all" else halt.scope
        super().__init__(
            f"{target} is already halted by {halt.by} since "
            f"{halt.created_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC ({halt.reason})"
        )
        self.halt = halt


class HaltRepository:
    """Halts on the whole factory (`all`) or one repository: added once, lifted, listed."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def add(self, scope: str, reason: str, by: str) -> Halt:
        """Stop new work: `scope` is "all" or one repository's name.

        A scope is halted once: while it has an active halt, AlreadyHalted names that one and
        nothing is added (checked and written in one write transaction).
        """
        if not scope or not reason:
            raise ValueError("a halt needs a scope ('all' or a repository) and a reason")
        halt = Halt(scope=scope, reason=reason, by=by, created_at=utcnow())
        with self._scopes.write() as session:
            if session.get_bind().dialect.name == "postgresql":
                # SQLite's write lock serialises halts; PostgreSQL needs a lock of its own,
                # or two processes both find no active halt and both add one.
                digest = hashlib.sha256(f"halt:{scope}".encode()).digest()[:8]
                key = int.from_bytes(digest, "big", signed=True)
                session.execute(select(func.pg_advisory_xact_lock(key)))
            active = session.scalar(
                select(Halt)
                .where(Halt.scope == scope, Halt.lifted_at.is_(None))
                .order_by(Halt.id)
                .limit(1)
            )
            if active is None:
                session.add(halt)
        if active is not None:  # raised after the transaction, so the record stays readable
            raise AlreadyHalted(active)
        return halt

    def lift(self, scope: str, by: str) -> list[Halt]:
        """Lift every active halt on `scope`; returns what was lifted (empty if none was)."""
        with self._scopes.write() as session:
            active = list(
                session.scalars(select(Halt).where(Halt.scope == scope, Halt.lifted_at.is_(None)))
            )
            for halt in active:
                halt.lifted_at, halt.lifted_by = utcnow(), by
        return active

    def active(self) -> list[Halt]:
        with self._scopes.read() as session:
            query = select(Halt).where(Halt.lifted_at.is_(None)).order_by(Halt.id)
            return list(session.scalars(query))

    def for_repo(self, repo: str) -> Halt | None:
        """The halt that stops work on `repo` (a global one first), or None."""
        halts = [halt for halt in self.active() if halt.scope in ("all", repo)]
        halts.sort(key=lambda halt: (halt.scope != "all", halt.id))
        return halts[0] if halts else None
