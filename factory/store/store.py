"""`Store`: the one door to the factory's records (runs, events, blobs, tickets, PRs, halts).

Objects returned are detached snapshots: read them freely, change records only through the
`update_*` methods. Events have no update or delete method on purpose: the log is append-only.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from factory.config import FactoryConfig
from factory.store.appending import (
    EVENT_COLUMNS,
    ChainHead,
    NewEvent,
    RunNotFoundError,
    append_to_chain,
    encode_events,
    record_digest,
)
from factory.store.chain import GENESIS, timestamp
from factory.store.claims import ClaimRecords, TicketClaimed, take_claim
from factory.store.database import (
    DEFAULT_BUSY_TIMEOUT_S,
    WRITE_OPTION,
    connection_failure,
    make_engine,
    migrate,
)
from factory.store.evals import EvalRecords
from factory.store.incidents import IncidentRecords
from factory.store.leases import LeaseRecords
from factory.store.models import (
    Approval,
    Blob,
    Event,
    Halt,
    Run,
    RunStatus,
    TicketRecord,
    utcnow,
)
from factory.store.pull_requests import PullRequestRows
from factory.store.retrying import retry_on_conflict
from factory.store.statuses import ApprovalDecision
from factory.store.sweeps import SWEEP_ID_PREFIX, SweepRecords
from factory.support.errors import FactoryError

RUN_FIELDS_FROZEN = frozenset({"id", "created_at", "head_hash", "event_count"})


class BlobNotFoundError(FactoryError, KeyError):
    """No blob has this reference."""

    code = "not_found"


class AlreadyHalted(FactoryError, RuntimeError):
    """The scope already has an active halt: "already halted by X since T"."""

    code = "already_halted"

    def __init__(self, halt: Halt) -> None:
        since = halt.created_at if halt.created_at.tzinfo else halt.created_at.replace(tzinfo=UTC)
        target = "the whole factory" if halt.scope == "all" else halt.scope
        super().__init__(
            f"{target} is already halted by {halt.by} since "
            f"{since.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC ({halt.reason})"
        )
        self.halt = halt


class Store(
    PullRequestRows, IncidentRecords, LeaseRecords, ClaimRecords, SweepRecords, EvalRecords
):
    """The record store. `Store(url)` opens any SQLAlchemy URL and migrates it to head."""

    def __init__(
        self,
        url: str,
        *,
        apply_migrations: bool = True,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
    ) -> None:
        self.url = url
        self.engine: Engine = make_engine(url, busy_timeout_s=busy_timeout_s)
        if apply_migrations:
            try:
                migrate(self.engine)
            except OperationalError as exc:
                self.engine.dispose()
                if self.engine.dialect.name == "sqlite":
                    raise  # a file's trouble (disk full, permissions) is named by the CLI
                raise connection_failure(url, exc) from exc
        self._reads = sessionmaker(self.engine, expire_on_commit=False)
        writer = self.engine.execution_options(**{WRITE_OPTION: True})
        self._writes = sessionmaker(writer, expire_on_commit=False)

    @classmethod
    def open(cls, config: FactoryConfig) -> Store:
        """The store the configuration names (`[factory] database_url` or the data dir)."""
        return cls(config.database_url, busy_timeout_s=config.factory.busy_timeout_s)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._writes.begin() as session:
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._reads() as session:
            yield session

    # -- runs -----------------------------------------------------------------------------

    def create_run(
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
            with self._write() as session:
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

    def find_run(self, run_id: str) -> Run | None:
        with self._read() as session:
            return session.get(Run, run_id)

    def get_run(self, run_id: str) -> Run:
        """The run, or RunNotFoundError (a KeyError whose message says what to do)."""
        run = self.find_run(run_id)
        if run is None:
            raise RunNotFoundError(run_id)
        return run

    def update_run(self, run_id: str, **fields: Any) -> Run:
        """Change status, branch, outcome, timestamps... The chain fields are not writable."""
        frozen = RUN_FIELDS_FROZEN.intersection(fields)
        if frozen:
            raise ValueError(f"run fields {sorted(frozen)} cannot be changed")
        if "status" in fields:
            fields["status"] = RunStatus(fields["status"]).value
        with self._write() as session:
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
        with self._write() as session:
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

    def list_runs(
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
        with self._read() as session:
            return list(session.scalars(query))

    # -- events (append-only) ---------------------------------------------------------------

    def append_event(
        self, run_id: str, kind: str, actor: str, payload: Mapping[str, Any] | None = None
    ) -> Event:
        """Append one event to the run's chain. `actor`: an agent role, `human:<name>`, `system`."""
        _head, rows = self._append(run_id, [NewEvent(kind, actor, payload)])
        return Event(**dict(zip(EVENT_COLUMNS, rows[0], strict=True)))

    def append_events(self, run_id: str, events: Iterable[NewEvent]) -> ChainHead:
        """Append many events in one transaction (one digest row); returns the new head."""
        head, _rows = self._append(run_id, list(events))
        return head

    def _append(
        self, run_id: str, items: Sequence[NewEvent]
    ) -> tuple[ChainHead, list[tuple[Any, ...]]]:
        entries = encode_events(items)

        def append() -> tuple[ChainHead, list[tuple[Any, ...]]]:
            # A retry re-reads the head another writer moved between our read and insert.
            with self._write() as session:
                return append_to_chain(session.connection(), run_id, entries)

        return retry_on_conflict(append)

    def events(self, run_id: str) -> list[Event]:
        """The run's events in order: its trajectory."""
        with self._read() as session:
            return list(
                session.scalars(select(Event).where(Event.run_id == run_id).order_by(Event.seq))
            )

    def iter_events(
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
            with self._read() as session:
                chunk = list(session.scalars(query.where(Event.id > last_id).limit(batch)))
            yield from chunk
            if len(chunk) < batch:
                return
            last_id = chunk[-1].id

    # -- blobs ------------------------------------------------------------------------------

    def put_blob(self, data: bytes) -> str:
        """Store bytes once (zlib-compressed); returns their sha256 hex, the reference."""
        ref = hashlib.sha256(data).hexdigest()
        with self._read() as session:
            if session.get(Blob, ref) is not None:
                return ref
        try:
            with self._write() as session:
                if session.get(Blob, ref) is None:
                    session.add(Blob(ref=ref, size=len(data), data=zlib.compress(data, 6)))
        except IntegrityError:
            pass  # a concurrent writer stored the same bytes first
        return ref

    def get_blob(self, ref: str) -> bytes:
        with self._read() as session:
            blob = session.get(Blob, ref)
        if blob is None:
            raise BlobNotFoundError(ref)
        return zlib.decompress(blob.data)

    # -- tickets ----------------------------------------------------------------------------

    def record_ticket(
        self, ref: str, title: str, body: str, *, labels: Sequence[str] = (), source: str
    ) -> TicketRecord:
        """Insert or refresh a ticket as read from its source (`github`, `file`, `stdin`...)."""
        with self._write() as session:
            ticket = session.get(TicketRecord, ref) or TicketRecord(ref=ref, created_at=utcnow())
            ticket.title, ticket.body, ticket.source = title, body, source
            ticket.labels = json.dumps(list(labels))
            ticket.updated_at = utcnow()
            session.add(ticket)
        return ticket

    def get_ticket(self, ref: str) -> TicketRecord | None:
        with self._read() as session:
            return session.get(TicketRecord, ref)

    # -- approvals ----------------------------------------------------------------------------

    def record_approval(
        self, run_id: str, decision: ApprovalDecision | str, by: str, comment: str | None = ""
    ) -> Approval:
        """A human's approve/reject; also appended to the run's audit chain."""
        verdict = ApprovalDecision(decision).value
        comment = comment or ""
        approval = Approval(run_id=run_id, decision=verdict, by=by, comment=comment)
        with self._write() as session:
            append_to_chain(
                session.connection(),
                run_id,
                encode_events(
                    [NewEvent(f"approval.{verdict}", f"human:{by}", {"comment": comment})]
                ),
            )
            session.add(approval)
        return approval

    def approvals(self, run_id: str) -> list[Approval]:
        with self._read() as session:
            query = select(Approval).where(Approval.run_id == run_id).order_by(Approval.id)
            return list(session.scalars(query))

    # -- halts (the kill switch) ------------------------------------------------------------

    def add_halt(self, scope: str, reason: str, by: str) -> Halt:
        """Stop new work: `scope` is "all" or one repository's name.

        A scope is halted once: while it has an active halt, AlreadyHalted names that one and
        nothing is added (checked and written in one write transaction).
        """
        if not scope or not reason:
            raise ValueError("a halt needs a scope ('all' or a repository) and a reason")
        halt = Halt(scope=scope, reason=reason, by=by, created_at=utcnow())
        with self._write() as session:
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

    def lift_halt(self, scope: str, by: str) -> list[Halt]:
        """Lift every active halt on `scope`; returns what was lifted (empty if none was)."""
        with self._write() as session:
            active = list(
                session.scalars(select(Halt).where(Halt.scope == scope, Halt.lifted_at.is_(None)))
            )
            for halt in active:
                halt.lifted_at, halt.lifted_by = utcnow(), by
        return active

    def active_halts(self) -> list[Halt]:
        with self._read() as session:
            query = select(Halt).where(Halt.lifted_at.is_(None)).order_by(Halt.id)
            return list(session.scalars(query))

    def is_halted(self, repo: str) -> Halt | None:
        """The halt that stops work on `repo` (a global one first), or None."""
        halts = [halt for halt in self.active_halts() if halt.scope in ("all", repo)]
        halts.sort(key=lambda halt: (halt.scope != "all", halt.id))
        return halts[0] if halts else None
