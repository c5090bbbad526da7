"""One read of the store for a review: the runs of two periods, the events the figures need,
pull requests, tickets, halts, incidents and sweeps. Everything later is computed from this
snapshot; `load_records` reads it in one step per table.

Events are read with one SELECT (only the kinds a figure uses) and folded into `RunFacts` per
run as they stream, so memory holds facts, not a million event rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Select, or_, select

from factory.config.initiatives import INITIATIVE_LABEL_PREFIX
from factory.review.run_facts import EVENT_KINDS, RunFacts, fold_event
from factory.review.schema import Period
from factory.review.sweep_records import SweepCompletionTicket, load_sweep_tickets
from factory.store import Store
from factory.store.models import Event, Halt, Incident, PullRequest, Run, TicketRecord
from factory.store.pull_request_life import LIFE_EVENT_KINDS, PullRequestLife, fold_life_event
from factory.store.statuses import RunStatus
from factory.store.sweeps import SWEEP_ID_PREFIX

LIFE_KINDS = frozenset(LIFE_EVENT_KINDS)
WAITING = (RunStatus.WAITING_APPROVAL.value, RunStatus.NEEDS_HUMAN.value)
REVIEW_EVENT_KINDS = tuple(sorted({*EVENT_KINDS, *LIFE_EVENT_KINDS}))
"""The run facts' kinds and a pull request's life's (rounds, base updates, CI, waits)."""
IN_CHUNK = 500
"""Refs per `IN (...)` list, under the 999 bound parameters older SQLite builds allow."""


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
    config_hash: str | None = None
    """The configuration the run ran under (None: recorded before runs carried one)."""
    life: PullRequestLife | None = None
    """Its pull request's life after it opened (`store.pull_request_life`), once folded."""

    def pull_life(self) -> PullRequestLife:
        if self.life is None:
            self.life = PullRequestLife(run_id=self.id)
        return self.life


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
    sweep_tickets: list[SweepCompletionTicket] = field(default_factory=list)
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
        Run.config_hash,
    ).where(
        Run.id.not_like(f"{SWEEP_ID_PREFIX}%"),
        Run.eval_id.is_(None),  # an eval's runs delivered nothing real (docs/eval.md)
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
        .where(Event.run_id.in_(runs), Event.kind.in_(REVIEW_EVENT_KINDS))
        .order_by(Event.run_id, Event.seq)
    )


def load_records(store: Store, period: Period, repos: Iterable[str] | None = None) -> ReviewRecords:
    """The review's snapshot of the store: each table read once, one step per table."""
    repos = list(repos or [])
    with store.engine.connect() as connection:
        runs = _read_runs(connection, period, repos)
        _fold_events(connection, period, repos, runs)
        pulls = _read_pulls(connection, repos)
        tickets = _read_tickets(connection, {run.ticket_ref for run in runs.values()})
        ticket_runs = _read_initiative_runs(connection, tickets)
        halts = _read_halts(connection)
        incidents = _read_incidents(connection)
    sweeps_recorded, sweep_tickets = load_sweep_tickets(store, period.previous_since)
    return ReviewRecords(
        period,
        runs,
        pulls,
        tickets,
        halts,
        incidents,
        ticket_runs,
        sweep_tickets=sweep_tickets,
        sweeps_recorded=sweeps_recorded,
    )


def _read_runs(connection: Connection, period: Period, repos: list[str]) -> dict[str, RunRecord]:
    return {
        row.id: RunRecord(
            id=row.id,
            ticket_ref=row.ticket_ref,
            repo=row.repo,
            level=row.autonomy_level,
            status=row.status,
            outcome=row.outcome,
            created_at=row.created_at,
            finished_at=row.finished_at,
            updated_at=row.updated_at,
            config_hash=row.config_hash,
        )
        for row in connection.execute(run_query(period, repos))
    }


def _fold_events(
    connection: Connection, period: Period, repos: list[str], runs: dict[str, RunRecord]
) -> None:
    """Fold the events of `runs` into their facts as the rows stream by."""
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
                # A model call matters to a life only inside a round, after the PR opened.
                if kind in LIFE_KINDS and (kind != "model.call" or current.life is not None):
                    fold_life_event(current.pull_life(), kind, actor, ts, payload)
    finally:
        cursor.close()


def _read_pulls(connection: Connection, repos: list[str]) -> list[PullRecord]:
    query = select(
        PullRequest.repo,
        PullRequest.number,
        PullRequest.run_id,
        PullRequest.status,
        PullRequest.merged_sha,
        PullRequest.created_at,
        PullRequest.updated_at,
    )
    if repos:
        query = query.where(PullRequest.repo.in_(repos))
    return [
        PullRecord(
            row.repo,
            row.number,
            row.run_id,
            row.status,
            row.merged_sha,
            row.created_at,
            row.updated_at,
        )
        for row in connection.execute(query)
    ]


def _read_tickets(connection: Connection, refs: set[str]) -> dict[str, ReviewTicket]:
    """The tickets of the runs read, and every ticket of an initiative."""
    tickets: dict[str, ReviewTicket] = {}
    rows = connection.execute(
        select(
            TicketRecord.ref,
            TicketRecord.title,
            TicketRecord.labels,
            TicketRecord.created_at,
            TicketRecord.updated_at,
        )
    )
    for row in rows:
        labels = json.loads(row.labels or "[]")
        if row.ref in refs or any(
            str(label).lower().startswith(INITIATIVE_LABEL_PREFIX) for label in labels
        ):
            tickets[row.ref] = ReviewTicket(
                row.ref, row.title, labels, row.created_at, row.updated_at
            )
    return tickets


def _read_initiative_runs(
    connection: Connection, tickets: dict[str, ReviewTicket]
) -> dict[str, list[TicketRun]]:
    """Every run, of any time, of the tickets that belong to an initiative."""
    refs = [ref for ref, ticket in tickets.items() if ticket.initiatives]
    ticket_runs: dict[str, list[TicketRun]] = {}
    for start in range(0, len(refs), IN_CHUNK):
        query = select(Run.ticket_ref, Run.status, Run.created_at, Run.updated_at).where(
            Run.ticket_ref.in_(refs[start : start + IN_CHUNK]), Run.eval_id.is_(None)
        )
        for row in connection.execute(query):
            ticket_runs.setdefault(row.ticket_ref, []).append(
                TicketRun(row.status, row.created_at, row.updated_at)
            )
    return ticket_runs


def _read_halts(connection: Connection) -> list[HaltRow]:
    query = select(Halt.scope, Halt.reason, Halt.by, Halt.created_at, Halt.lifted_at)
    return [
        HaltRow(
            row.scope,
            row.reason,
            row.by,
            row.created_at,
            row.lifted_at,
        )
        for row in connection.execute(query)
    ]


def _read_incidents(connection: Connection) -> list[IncidentRow]:
    query = select(
        Incident.id,
        Incident.repo,
        Incident.title,
        Incident.severity,
        Incident.root_cause,
        Incident.opened_at,
        Incident.resolved_at,
    ).order_by(Incident.id)
    return [
        IncidentRow(
            row.id,
            row.repo,
            row.title,
            row.severity,
            row.root_cause,
            row.opened_at,
            row.resolved_at,
        )
        for row in connection.execute(query)
    ]
