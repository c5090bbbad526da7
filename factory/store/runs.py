"""`RunRepository`: the runs table, one row per ticket's journey (and per sweep's chain anchor).

A run row also carries the tip of its audit chain (`head_hash`, `event_count`), which only the
event log moves, and the run lease, which only `leases.py` writes.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update

from factory.store.appending import RunNotFoundError, record_digest
from factory.store.chain import GENESIS, timestamp
from factory.store.claims import TicketClaimed, take_claim
from factory.store.models import Run
from factory.store.retrying import retry_on_conflict
from factory.store.sessions import SessionScopes
from factory.store.statuses import RunStatus
from factory.store.sweeps import SWEEP_ID_PREFIX
from factory.support.utc import utcnow

RUN_FIELDS_FROZEN = frozenset({"id", "created_at", "head_hash", "event_count"})


class RunRepository:
    """Runs: created (claiming their ticket), read, updated, metered, and listed."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def create(
        self,
        ticket_ref: str,
        repo: str,
        *,
        branch: str | None = None,
        autonomy_level: str | None = None,
        status: RunStatus = RunStatus.QUEUED,
        run_id: str | None = None,
        repo_path: str | None = None,
        ticket_key: str | None = None,
        ticket_runs_seen: frozenset[str] | None = None,
        eval_id: str | None = None,
        config_hash: str | None = None,
    ) -> Run:
        """A new run with an empty chain. Its id reads like `r-3f9c2a1b7d`.

        With `ticket_key` the run claims that ticket in the same transaction: either the run
        exists and holds the claim, or TicketClaimed is raised and no run was created. With
        `ticket_runs_seen` (a sweep's view of the ticket's runs when it chose it), any other
        run of the ticket, however it ended, also raises TicketClaimed: another process
        worked the ticket since, so this one must not start it again.
        """
        new_id = run_id or f"r-{uuid.uuid4().hex[:10]}"

        def create() -> Run:
            # A retry re-reads a claim (or digest head) another writer added meanwhile.
            run = Run(
                id=new_id,
                ticket_ref=ticket_ref,
                repo=repo,
                branch=branch,
                autonomy_level=autonomy_level,
                status=RunStatus(status).value,
                cost_usd=0.0,
                tokens_in=0,
                tokens_out=0,
                head_hash=GENESIS,
                event_count=0,
                repo_path=repo_path,
                ticket_id=ticket_key,
                eval_id=eval_id,
                config_hash=config_hash,
            )
            with self._scopes.write() as session:
                if ticket_key is not None:
                    take_claim(session, ticket_key, run.id)
                    if ticket_runs_seen is not None:
                        newer = session.scalars(
                            select(Run).where(
                                Run.ticket_id == ticket_key, Run.id.not_in(ticket_runs_seen)
                            )
                        ).first()
                        if newer is not None:
                            raise TicketClaimed(ticket_key, newer.id, newer.created_at)
                session.add(run)
                session.flush()
                # A digest row from birth: deleting a run that never logged anything still shows.
                record_digest(session.connection(), run.id, 0, GENESIS, timestamp())
            return run

        return retry_on_conflict(create)

    def find(self, run_id: str) -> Run | None:
        with self._scopes.read() as session:
            return session.get(Run, run_id)

    def get(self, run_id: str) -> Run:
        """The run, or RunNotFoundError (a KeyError whose message says what to do)."""
        run = self.find(run_id)
        if run is None:
            raise RunNotFoundError(run_id)
        return run

    def update(self, run_id: str, **fields: Any) -> Run:
        """Change status, branch, outcome, timestamps... The chain fields are not writable."""
        frozen = RUN_FIELDS_FROZEN.intersection(fields)
        if frozen:
            raise ValueError(f"run fields {sorted(frozen)} cannot be changed")
        if "status" in fields:
            fields["status"] = RunStatus(fields["status"]).value
        with self._scopes.write() as session:
            run = session.get(Run, run_id)
            if run is None:
                raise RunNotFoundError(run_id)
            for name, value in fields.items():
                if not hasattr(Run, name):
                    raise ValueError(f"runs have no field {name!r}")
                setattr(run, name, value)
            run.updated_at = utcnow()
        return run

    def add_usage(
        self,
        run_id: str,
        *,
        cost_usd: float | None = 0.0,
        tokens_in: int = 0,
        tokens_out: int = 0,
    ) -> None:
        """Add metered usage atomically (concurrent agents of one run may report at once).

        `cost_usd` None is a call whose price is unknown: it makes the run's cost unknown."""
        with self._scopes.write() as session:
            result = session.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(
                    cost_usd=Run.cost_usd + (cost_usd or 0.0),
                    unpriced_calls=Run.unpriced_calls + (1 if cost_usd is None else 0),
                    tokens_in=Run.tokens_in + tokens_in,
                    tokens_out=Run.tokens_out + tokens_out,
                    updated_at=utcnow(),
                )
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise RunNotFoundError(run_id)

    def latest(
        self,
        status: RunStatus | str | None = None,
        repo: str | None = None,
        limit: int = 50,
        *,
        eval_id: str | None = None,
    ) -> list[Run]:
        """Newest first (sweeps' chain anchors are not runs and are left out). An eval's runs
        are listed only when its `eval_id` is asked for: they delivered nothing."""
        query = (
            select(Run)
            .where(Run.id.not_like(f"{SWEEP_ID_PREFIX}%"))
            .where(Run.eval_id.is_(None) if eval_id is None else Run.eval_id == eval_id)
            .order_by(Run.created_at.desc(), Run.id)
            .limit(limit)
        )
        if status is not None:
            query = query.where(Run.status == RunStatus(status).value)
        if repo is not None:
            query = query.where(Run.repo == repo)
        with self._scopes.read() as session:
            return list(session.scalars(query))

    def of_ticket(self, ticket_id: str) -> list[Run]:
        """Every run of the ticket with this stable identity, newest first."""
        query = (
            select(Run).where(Run.ticket_id == ticket_id).order_by(Run.created_at.desc(), Run.id)
        )
        with self._scopes.read() as session:
            return list(session.scalars(query))

    def of_sweep(self, sweep_id: str) -> list[Run]:
        """The runs a sweep started or resumed last, oldest first."""
        with self._scopes.read() as session:
            query = select(Run).where(Run.sweep_id == sweep_id).order_by(Run.created_at)
            return list(session.scalars(query))
