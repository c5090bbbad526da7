"""One read of the store for a review: the runs of two periods, the events the figures need,
pull requests, tickets, halts and incidents. Everything later is computed from this snapshot.

Events are read with one SELECT (only the kinds a figure uses) and folded into `RunFacts` per
run as they stream, so memory holds facts, not a million event rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Select, or_, select

from factory.config.initiatives import INITIATIVE_LABEL_PREFIX
from factory.review.schema import Period
from factory.store import Store
from factory.store.models import Event, Halt, Incident, PullRequest, Run, TicketRecord
from factory.store.statuses import RunStatus
from factory.store.sweeps import SWEEP_ID_PREFIX

if TYPE_CHECKING:
    from factory.review.sweep_records import SweepTicket

EVENT_KINDS = (
    "model.call",
    "node.finished",
    "git.commit",
    "tests.report",
    "gate.decision",
    "merge.done",
    "pr.merged",
    "approval.approve",
    "approval.reject",
    "approval.approved",
    "approval.rejected",
    "run.waiting",
    "run.stopped",
    "run.error",
    "autonomy.level_changed",
    "tests.baseline",
)
WAITING = (RunStatus.WAITING_APPROVAL.value, RunStatus.NEEDS_HUMAN.value)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time the store writes is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_ts(text: str) -> datetime:
    return aware(datetime.fromisoformat(text.replace("Z", "+00:00")))


@dataclass
class RunFacts:
    """What one run's events say, folded as they stream by."""

    model_calls: int = 0
    unpriced_calls: int = 0
    cost_usd: float = 0.0
    cost_by_role: dict[str, float | None] = field(default_factory=dict)
    cost_by_model: dict[str, float | None] = field(default_factory=dict)
    tokens_in: int = 0
    tokens_out: int = 0
    cache_read: int = 0
    sandbox_s: float = 0.0
    commits: list[str] = field(default_factory=list)
    first_commit_at: datetime | None = None
    code_rounds: int = 0
    test_reports: list[bool] = field(default_factory=list)
    flaky: list[str] = field(default_factory=list)
    verdicts: list[tuple[str, str]] = field(default_factory=list)
    """(policy, outcome) of every gate verdict."""
    decision: str | None = None
    touched_protected: bool = False
    secret_caught: bool = False
    merged_at: datetime | None = None
    merged_by: str | None = None
    merge_sha: str | None = None
    approved_by: str | None = None
    waiting_since: datetime | None = None
    decided_at: datetime | None = None
    stop_reason: str | None = None
    level_changes: list[dict[str, Any]] = field(default_factory=list)
    baseline: tuple[datetime, int | None, str] | None = None
    """(when, exit code if recorded, summary) of the base commit's test run."""
    _failing_since_commit: set[str] = field(default_factory=set)

    @property
    def cost(self) -> float | None:
        """Exact dollars, or None when any model call had no known price."""
        return None if self.unpriced_calls else self.cost_usd


@dataclass
class RunRecord:
    id: str
    ticket_ref: str
    repo: str
    level: str | None
    status: str
    outcome: str | None
    created_at: datetime
    finished_at: datetime | None
    updated_at: datetime
    facts: RunFacts = field(default_factory=RunFacts)


@dataclass
class ReviewTicket:
    ref: str
    title: str
    labels: list[str]
    created_at: datetime
    updated_at: datetime

    @property
    def initiatives(self) -> list[str]:
        return [
            label[len(INITIATIVE_LABEL_PREFIX) :].strip()
            for label in self.labels
            if label.lower().startswith(INITIATIVE_LABEL_PREFIX)
        ]


@dataclass
class PullRecord:
    repo: str
    number: int
    run_id: str | None
    status: str
    merged_sha: str | None
    created_at: datetime
    updated_at: datetime


@dataclass
class TicketRun:
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass
class HaltRow:
    scope: str
    reason: str
    by: str
    created_at: datetime
    lifted_at: datetime | None


@dataclass
class IncidentRow:
    id: int
    repo: str
    title: str
    severity: str | None
    root_cause: str | None
    opened_at: datetime
    resolved_at: datetime | None


@dataclass
class ReviewRecords:
    period: Period
    runs: dict[str, RunRecord]
    pulls: list[PullRecord]
    tickets: dict[str, ReviewTicket]
    halts: list[HaltRow]
    incidents: list[IncidentRow]
    ticket_runs: dict[str, list[TicketRun]] = field(default_factory=dict)
    """Every run (any time) of the tickets that belong to an initiative."""
    sweep_tickets: list[SweepTicket] = field(default_factory=list)
    """Tickets of the sweeps that began in the period or the one before (sweep_records.py)."""
    sweeps_recorded: int = 0


def run_query(period: Period, repos: Iterable[str] | None = None) -> Select:
    """Runs of the period and the one before, plus any still waiting for a person or settled
    since (a pull request opened long ago and merged now is a change of now). A sweep's
    audit-chain anchor, a row in `runs` with the sweep's id and repository `*`, is no run."""
    query = select(
        Run.id,
        Run.ticket_ref,
        Run.repo,
        Run.autonomy_level,
        Run.status,
        Run.outcome,
        Run.created_at,
        Run.finished_at,
        Run.updated_at,
    ).where(
        Run.id.not_like(f"{SWEEP_ID_PREFIX}%"),
        Run.created_at < period.until,
        or_(
            Run.created_at >= period.previous_since,
            Run.updated_at >= period.previous_since,
            Run.status.in_(WAITING),
        ),
    )
    if repos:
        query = query.where(Run.repo.in_(list(repos)))
    return query


def event_query(period: Period, repos: Iterable[str] | None = None) -> Select:
    """The events the figures use, of the runs `run_query` selects, in chain order."""
    runs = run_query(period, repos).with_only_columns(Run.id).scalar_subquery()
    return (
        select(Event.run_id, Event.kind, Event.actor, Event.ts, Event.payload)
        .where(Event.run_id.in_(runs), Event.kind.in_(EVENT_KINDS))
        .order_by(Event.run_id, Event.seq)
    )


def load_records(store: Store, period: Period, repos: Iterable[str] | None = None) -> ReviewRecords:
    repos = list(repos or [])
    with store.engine.connect() as connection:
        runs = {
            row.id: RunRecord(
                id=row.id,
                ticket_ref=row.ticket_ref,
                repo=row.repo,
                level=row.autonomy_level,
                status=row.status,
                outcome=row.outcome,
                created_at=aware(row.created_at),
                finished_at=aware(row.finished_at) if row.finished_at else None,
                updated_at=aware(row.updated_at),
            )
            for row in connection.execute(run_query(period, repos))
        }
        # The heaviest read (a quarter of a million rows for ten thousand runs) goes through
        # the driver's own cursor: SQLAlchemy result rows cost more than folding the events.
        sql = str(
            event_query(period, repos).compile(
                dialect=connection.dialect, compile_kwargs={"literal_binds": True}
            )
        )
        driver = connection.connection.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            cursor.execute(sql)
            current: RunRecord | None = None
            for run_id, kind, actor, ts, payload in cursor:
                if current is None or current.id != run_id:
                    current = runs.get(run_id)
                if current is not None:
                    fold_event(current.facts, kind, actor, ts, payload)
        finally:
            cursor.close()
        pulls_query = select(
            PullRequest.repo,
            PullRequest.number,
            PullRequest.run_id,
            PullRequest.status,
            PullRequest.merged_sha,
            PullRequest.created_at,
            PullRequest.updated_at,
        )
        if repos:
            pulls_query = pulls_query.where(PullRequest.repo.in_(repos))
        pulls = [
            PullRecord(
                row.repo,
                row.number,
                row.run_id,
                row.status,
                row.merged_sha,
                aware(row.created_at),
                aware(row.updated_at),
            )
            for row in connection.execute(pulls_query)
        ]
        refs = {run.ticket_ref for run in runs.values()}
        tickets: dict[str, ReviewTicket] = {}
        ticket_rows = connection.execute(
            select(
                TicketRecord.ref,
                TicketRecord.title,
                TicketRecord.labels,
                TicketRecord.created_at,
                TicketRecord.updated_at,
            )
        )
        for row in ticket_rows:
            labels = json.loads(row.labels or "[]")
            if row.ref in refs or any(
                str(label).lower().startswith(INITIATIVE_LABEL_PREFIX) for label in labels
            ):
                tickets[row.ref] = ReviewTicket(
                    row.ref, row.title, labels, aware(row.created_at), aware(row.updated_at)
                )
        initiative_refs = [ref for ref, ticket in tickets.items() if ticket.initiatives]
        ticket_runs: dict[str, list[TicketRun]] = {}
        for start in range(0, len(initiative_refs), 500):
            chunk = initiative_refs[start : start + 500]
            for ticket_run in connection.execute(
                select(Run.ticket_ref, Run.status, Run.created_at, Run.updated_at).where(
                    Run.ticket_ref.in_(chunk)
                )
            ):
                ticket_runs.setdefault(ticket_run.ticket_ref, []).append(
                    TicketRun(
                        ticket_run.status,
                        aware(ticket_run.created_at),
                        aware(ticket_run.updated_at),
                    )
                )
        halts = [
            HaltRow(
                row.scope,
                row.reason,
                row.by,
                aware(row.created_at),
                aware(row.lifted_at) if row.lifted_at else None,
            )
            for row in connection.execute(
                select(Halt.scope, Halt.reason, Halt.by, Halt.created_at, Halt.lifted_at)
            )
        ]
        incidents = [
            IncidentRow(
                row.id,
                row.repo,
                row.title,
                row.severity,
                row.root_cause,
                aware(row.opened_at),
                aware(row.resolved_at) if row.resolved_at else None,
            )
            for row in connection.execute(
                select(
                    Incident.id,
                    Incident.repo,
                    Incident.title,
                    Incident.severity,
                    Incident.root_cause,
                    Incident.opened_at,
                    Incident.resolved_at,
                ).order_by(Incident.id)
            )
        ]
    return ReviewRecords(period, runs, pulls, tickets, halts, incidents, ticket_runs)


def no_new_failures(report: dict[str, Any]) -> bool:
    """A `tests.report` by the run's own rule (`TestReport.green`): recorded since the event
    carries it; for older events, the same rule from the counts the event kept."""
    if "green" in report:
        return bool(report["green"])
    if report.get("newly_failing"):
        return False
    if report.get("exit_code") == 0:
        return True
    failing = int(report.get("failed") or 0) + int(report.get("errors") or 0)
    return bool(report.get("structured")) and 0 < failing <= len(report.get("still_failing") or [])


def fold_event(facts: RunFacts, kind: str, actor: str, ts: str, payload_text: str) -> None:
    """Add one event to a run's facts (events arrive in chain order)."""
    data = orjson.loads(payload_text)
    if kind == "model.call":  # most of the rows: written out, no loops, no temporaries
        facts.model_calls += 1
        cost = data.get("cost_usd")
        model = data.get("model") or "unknown model"
        by_role, by_model = facts.cost_by_role, facts.cost_by_model
        before = by_role.get(actor, 0.0)
        by_role[actor] = None if cost is None or before is None else before + cost
        before = by_model.get(model, 0.0)
        by_model[model] = None if cost is None or before is None else before + cost
        if cost is None:
            facts.unpriced_calls += 1
        else:
            facts.cost_usd += cost
        facts.tokens_in += (data.get("input_tokens") or 0) + (data.get("cache_write_tokens") or 0)
        facts.cache_read += data.get("cache_read_tokens") or 0
        facts.tokens_out += data.get("output_tokens") or 0
    elif kind == "node.finished":
        facts.sandbox_s += data.get("sandbox_s") or 0.0
        if data.get("node") == "code":
            facts.code_rounds += 1
    elif kind == "git.commit":
        facts.commits.append(str(data.get("sha")))
        facts.first_commit_at = facts.first_commit_at or parse_ts(ts)
        facts._failing_since_commit = set()
    elif kind == "tests.report":
        failing = set(data.get("newly_failing") or [])
        facts.test_reports.append(no_new_failures(data))
        # Failed, then passed with no commit in between: the same code, so the test is flaky.
        facts.flaky.extend(sorted(facts._failing_since_commit - failing))
        facts._failing_since_commit = failing
    elif kind == "gate.decision":
        decision = data.get("decision") or {}
        facts.decision = decision.get("decision")
        for verdict in decision.get("verdicts") or []:
            policy, outcome = verdict.get("policy") or "?", verdict.get("outcome") or "?"
            facts.verdicts.append((policy, outcome))
            if outcome != "allow" and policy == "protected_paths":
                facts.touched_protected = True
            if outcome != "allow" and policy == "secret_scan":
                facts.secret_caught = True
    elif kind in ("merge.done", "pr.merged") and facts.merged_at is None:
        # The factory merged (`merge.done`), or a person did (`pr.merged`: `factory pr merge`,
        # or GitHub's button as the forge reported it, at the forge's time). The first counts.
        if kind == "merge.done":
            facts.merged_at = parse_ts(ts)
            facts.merged_by = str(data.get("by") or "factory")
            facts.merge_sha = data.get("sha")
        else:
            facts.merged_at = parse_ts(str(data.get("merged_at") or ts))
            facts.merged_by = actor.removeprefix("human:")
            facts.merge_sha = data.get("merged_sha")
    elif kind in ("approval.approve", "approval.approved"):
        facts.approved_by = actor.removeprefix("human:")
        facts.decided_at = facts.decided_at or parse_ts(ts)
    elif kind in ("approval.reject", "approval.rejected"):
        facts.decided_at = facts.decided_at or parse_ts(ts)
    elif kind == "run.waiting":
        facts.waiting_since = parse_ts(ts)
    elif kind == "run.stopped":
        facts.stop_reason = str(data.get("reason") or "stopped")
    elif kind == "run.error":
        facts.stop_reason = "error"
    elif kind == "tests.baseline":
        facts.baseline = (parse_ts(ts), data.get("exit_code"), str(data.get("summary") or ""))
    elif kind == "autonomy.level_changed":
        facts.level_changes.append({**data, "at": ts})
