"""The tables of the record store (SQLAlchemy 2.x), and the status vocabularies they use.

Every column type is portable (no SQLite- or PostgreSQL-only types). Timestamps that are hashed
into the audit chain (`events.ts`, `audit_digests.ts`) are stored as the exact ISO-8601 text that
was hashed, so verification never depends on how a driver round-trips datetimes. Every other
moment is a `UTCDateTime`: whatever the backend, it is read back as an aware UTC datetime, so
nothing above the store converts what it reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from factory.store.statuses import PullRequestStatus, RunStatus
from factory.support.utc import as_utc, utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """`DateTime(timezone=True)` that reads back aware UTC datetimes on every backend.

    SQLite keeps no zone: it stores the clock time it is given and returns it naive. So a
    moment is written as UTC (an aware one converted, a naive one taken to be UTC already) and
    read back with UTC attached. PostgreSQL's `timestamptz` returns aware values in the
    session's zone; they are turned to UTC too, so every repository hands out the same kind.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _in_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else _in_utc(value)


def _in_utc(moment: datetime) -> datetime:
    """`moment` aware and on UTC's clock; converted only when it is not already (rows are many)."""
    aware = as_utc(moment)
    return aware if aware.tzinfo is UTC else aware.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Run(Base):
    """One ticket's journey. `head_hash`/`event_count` are the tip of its audit chain."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ticket_ref: Mapped[str] = mapped_column(String(500))
    repo: Mapped[str] = mapped_column(String(200), index=True)
    branch: Mapped[str | None] = mapped_column(String(300))
    autonomy_level: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(32), index=True, default=RunStatus.QUEUED)
    outcome: Mapped[str | None] = mapped_column(Text)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    """Dollars of the model calls whose price is known; see `cost_known`."""
    unpriced_calls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Model calls of a model without a price: while any, the run's cost is unknown."""
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    """Indexed: runs lists and the review select by it."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    head_hash: Mapped[str] = mapped_column(String(64))
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    repo_path: Mapped[str | None] = mapped_column(Text)
    """The checkout a run on an unconfigured repository works in (absolute, resolved)."""
    # The run lease (see leases.py): which process drives the run, and until when.
    lease_host: Mapped[str | None] = mapped_column(String(255))
    lease_pid: Mapped[int | None] = mapped_column(Integer)
    lease_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket_id: Mapped[str | None] = mapped_column(String(500), index=True)
    """The ticket's stable identity (factory/tickets/identity.py): same ticket, same id."""
    sweep_id: Mapped[str | None] = mapped_column(String(32), index=True)
    """The sweep that started or resumed this run last, if one did."""

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out

    @property
    def cost_known(self) -> bool:
        """False when some model call had no price: `cost_usd` is then only a lower bound."""
        return not self.unpriced_calls


class Event(Base):
    """One step of a run. Append-only: `hash = sha256(prev_hash || canonical(event))`."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("run_id", "seq", name="uq_events_run_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(32), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    ts: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    """Canonical JSON text, exactly the bytes that were hashed."""
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditDigest(Base):
    """The global chain: each row records a run's head after an append, chained to the last row.

    Deleting a run, or cutting events off its end, leaves digest rows that name events no longer
    there; rewriting the digests themselves changes the global head an operator saved elsewhere.
    """

    __tablename__ = "audit_digests"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(32))
    run_id: Mapped[str] = mapped_column(String(32), index=True)
    event_count: Mapped[int] = mapped_column(Integer)
    run_head: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Blob(Base):
    """Content-addressed bytes (model transcripts, diffs), zlib-compressed, stored once."""

    __tablename__ = "blobs"

    ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketRecord(Base):
    """A ticket as it was read. Its text is untrusted input and is stored as such."""

    __tablename__ = "tickets"

    ref: Mapped[str] = mapped_column(String(500), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    labels: Mapped[str] = mapped_column(Text, default="[]")
    """JSON list of label names."""
    source: Mapped[str] = mapped_column(String(50))
    repo: Mapped[str | None] = mapped_column(String(200))
    """The configured repository a backlog ticket belongs to (`factory ticket add`)."""
    priority: Mapped[str | None] = mapped_column(String(50))
    backlog: Mapped[bool] = mapped_column(Boolean, default=False)
    """True for tickets put in the backlog with `factory ticket add`: sweeps pick them up."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Sweep(Base):
    """One `factory sweep`: what it was asked, when it ran, and its totals and report.

    Its audit events (`sweep.started`, `sweep.skipped`, `sweep.finished`) form a chain of their
    own, anchored by a row in `runs` with the sweep's id (see factory/store/sweeps.py).
    """

    __tablename__ = "sweeps"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    params: Mapped[str] = mapped_column(Text, default="{}")
    """JSON: the options the sweep was started with."""
    owner: Mapped[str] = mapped_column(String(300))
    """`host:pid` of the process that drove it, or `workers` for `factory sweep --enqueue`."""
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totals: Mapped[str] = mapped_column(Text, default="{}")
    """JSON: the morning report (considered, started, merged, cost...), written at the end."""


class PullRequest(Base):
    """A pull request on a forge (`local` or `github`); `number` is sequential per repo."""

    __tablename__ = "pull_requests"
    __table_args__ = (UniqueConstraint("repo", "number", name="uq_pull_requests_repo_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(String(32), index=True)
    repo: Mapped[str] = mapped_column(String(200))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    head_branch: Mapped[str] = mapped_column(String(300))
    base_branch: Mapped[str] = mapped_column(String(300))
    head_sha: Mapped[str | None] = mapped_column(String(64))
    base_sha: Mapped[str | None] = mapped_column(String(64))
    """Where the head branch left its base when the pull request was opened: the change is
    `base_sha..head_sha`, which stays true after the merge moved the base branch."""
    status: Mapped[str] = mapped_column(String(16), default=PullRequestStatus.OPEN)
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str | None] = mapped_column(String(500))
    forge: Mapped[str] = mapped_column(String(16), default="local")
    merged_sha: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_pull_requests_repo_head", PullRequest.repo, PullRequest.head_branch)


class Approval(Base):
    """A human's decision on a run that waited for one."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(32), ForeignKey("runs.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    by: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketClaim(Base):
    """A ticket's one open run: the row exists while that run may still produce a branch."""

    __tablename__ = "ticket_claims"

    ticket_key: Mapped[str] = mapped_column(String(500), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(32), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Halt(Base):
    """The kill switch: `scope` is "all" or a repository name; lifted halts stay as history."""

    __tablename__ = "halts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(200), index=True)
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(200))


class Incident(Base):
    """Something broke in production. `root_cause` names a commit sha, `#PR` or run id, if known.

    Opened by `factory incident open` (source `factory`) or read from a forge's issues labelled
    `incident` (source `github`, `ref` the issue). A change an incident names is a failed change.
    """

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    repo: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(String(16))
    root_cause: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16), default="factory")
    ref: Mapped[str | None] = mapped_column(String(500), unique=True)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(200))


def _utc_on_assignment(_target: Base, value: Any, _old: Any, _initiator: Any) -> Any:
    return _in_utc(value) if isinstance(value, datetime) else value


def _assign_moments_in_utc() -> None:
    """A row just written is handed back as it was built, not read again: a moment a caller
    gave it becomes UTC when assigned, so no repository returns a naive or other-zone time."""
    for mapper in Base.registry.mappers:
        for attribute in mapper.column_attrs:
            if isinstance(attribute.columns[0].type, UTCDateTime):
                column = getattr(mapper.class_, attribute.key)
                event.listen(column, "set", _utc_on_assignment, retval=True)


_assign_moments_in_utc()
