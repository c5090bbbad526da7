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
    eval_id: Mapped[str | None] = mapped_column(String(32), index=True)
    """The eval this run belongs to: it worked on a throwaway clone, delivered nothing, and
    counts in no track record, delivery figure or run listing (docs/eval.md)."""
    config_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    """The configuration the run ran under (models, prompts, policies, version; see
    factory/config/fingerprint.py); None for runs recorded before it existed."""

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


class SpendEntry(Base):
    """One model call's spend, for the factory-wide limits (`[limits]`): when, where, how much."""

    __tablename__ = "spend"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    run_id: Mapped[str] = mapped_column(String(32))
    repo: Mapped[str] = mapped_column(String(200))
    usd: Mapped[float | None] = mapped_column(Float)
    """None when the model had no price: the call counts in tokens, never as $0."""
    tokens: Mapped[int] = mapped_column(Integer)


Index("ix_spend_repo_at", SpendEntry.repo, SpendEntry.at)


class LimitAlert(Base):
    """A spend limit's threshold (80, 90 or 100%) reached in one window; recorded once."""

    __tablename__ = "limit_alerts"
    __table_args__ = (
        UniqueConstraint("scope", "period", "unit", "percent", name="uq_limit_alerts_once"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(200))
    """"all" (the whole factory) or a repository's name, as for halts."""
    period: Mapped[str] = mapped_column(String(16))
    """The window: `day:2026-11-03` or `month:2026-11` (UTC)."""
    unit: Mapped[str] = mapped_column(String(8))
    """`usd` or `tokens`."""
    percent: Mapped[int] = mapped_column(Integer)
    spent: Mapped[float] = mapped_column(Float)
    limit_value: Mapped[float] = mapped_column(Float)
    unpriced_calls: Mapped[int] = mapped_column(Integer, default=0)
    """Model calls without a price in the window: dollars spent beyond `spent` are unknown."""
    run_id: Mapped[str | None] = mapped_column(String(32))
    """The run whose model call reached the threshold (None when found before a run began)."""
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the comment on `[limits] alert_issue` was posted, if one is configured."""
    post_error: Mapped[str | None] = mapped_column(Text)


class WebhookDelivery(Base):
    """A webhook delivery the factory received, kept so that a replay is refused for good.

    Remembered by the sender's delivery id and by the digest of its signed body: a signature
    covers the body only, so a captured body replayed under a fresh delivery id is the same
    delivery. `outcome` says what came of it (`queued job N`, `ignored: ...`, `refused: ...`,
    or `failed: ...`, which a redelivery may retry).
    """

    __tablename__ = "webhook_deliveries"

    delivery_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    event: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(500), default="received")


class PullRequestFeedbackSeen(Base):
    """A feedback item (review, comment, CI failure...) the factory has seen on a pull request,
    and what it did with it: the unique key makes an item start at most one round."""

    __tablename__ = "pull_request_feedback"
    __table_args__ = (
        UniqueConstraint("repo", "number", "item_id", name="uq_pull_request_feedback_item"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    repo: Mapped[str] = mapped_column(String(200))
    number: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[str | None] = mapped_column(String(32))
    round: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(200))
    """`round` (it went into round `round`), `ignored: <why>`, `refused: <why>`, `approved`."""
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PullRequestComment(Base):
    """A comment or review on a local forge pull request, kept the way GitHub keeps them:
    `kind` is `review` (with `review_state`), `review_comment` (inline, with path, line and
    diff hunk; `in_reply_to` for a reply) or `issue_comment`."""

    __tablename__ = "pull_request_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    repo: Mapped[str] = mapped_column(String(200))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    author: Mapped[str] = mapped_column(String(200))
    author_association: Mapped[str] = mapped_column(String(30))
    author_is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(String(1000))
    line: Mapped[int | None] = mapped_column(Integer)
    diff_hunk: Mapped[str | None] = mapped_column(Text)
    review_state: Mapped[str | None] = mapped_column(String(30))
    in_reply_to: Mapped[int | None] = mapped_column(Integer)
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_pull_request_comments_repo_number", PullRequestComment.repo, PullRequestComment.number)


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


class EvalTaskRecord(Base):
    """A task mined from a repository's history (or imported), SWE-bench's fields, or a
    candidate mining dropped (`dropped` with its reason). Its texts are untrusted input."""

    __tablename__ = "eval_tasks"
    __table_args__ = (UniqueConstraint("repo", "instance_id", name="uq_eval_tasks_repo_instance"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    repo: Mapped[str] = mapped_column(String(200), index=True)
    instance_id: Mapped[str] = mapped_column(String(300))
    base_commit: Mapped[str] = mapped_column(String(64))
    source_commit: Mapped[str | None] = mapped_column(String(64))
    """The commit the task was mined from (None for an imported task)."""
    patch: Mapped[str] = mapped_column(Text, default="")
    test_patch: Mapped[str] = mapped_column(Text, default="")
    problem_statement: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(String(32), default="commit_message")
    """Where the problem statement came from: `issue`, `pull_request`, `commit_message`
    (weaker evidence) or `imported`."""
    fail_to_pass: Mapped[str] = mapped_column(Text, default="[]")
    """JSON list of test ids."""
    pass_to_pass: Mapped[str] = mapped_column(Text, default="[]")
    """JSON list of test ids."""
    status: Mapped[str] = mapped_column(String(16), default="valid")
    """`valid` (a task evals run) or `dropped` (a candidate mining rejected)."""
    drop_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EvalRecord(Base):
    """One `factory eval run`: what it was asked, under which configuration, and its figures."""

    __tablename__ = "evals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    repo: Mapped[str] = mapped_column(String(200), index=True)
    config_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    """`running`, `finished`, or `stopped` (drained or over budget; `factory eval run
    --resume ID` continues it)."""
    params: Mapped[str] = mapped_column(Text, default="{}")
    """JSON: the options and the task set it was started with."""
    summary: Mapped[str] = mapped_column(Text, default="{}")
    """JSON: its figures (factory.eval.figures.EvalFigures), written whenever it stops."""
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EvalResultRecord(Base):
    """One attempt of one task in an eval: its run and what the hidden tests said."""

    __tablename__ = "eval_results"
    __table_args__ = (
        UniqueConstraint("eval_id", "instance_id", "attempt", name="uq_eval_results_attempt"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    eval_id: Mapped[str] = mapped_column(String(32), index=True)
    instance_id: Mapped[str] = mapped_column(String(300))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    run_id: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="done")
    """`done` (judged) or `error` (the harness could not judge it; the reason says why)."""
    result: Mapped[str] = mapped_column(Text, default="{}")
    """JSON: the judged outcome (factory.eval.results.TaskResult)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
