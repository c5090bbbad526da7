"""Four of the five DRIVE pillars (delivery, reliability, vigilance, efficiency) for one group
of repositories: the whole factory, one repository, an owner's or a domain's. Initiatives, the
fifth, are per initiative (initiatives.py).

Each figure is computed for the period and the one before it, so it carries its trend.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from factory.review.dora import Change
from factory.review.records import HaltRow, IncidentRow, PullRecord, ReviewRecords, RunRecord
from factory.review.run_facts import parse_ts
from factory.review.schema import (
    AuditStatus,
    AutonomyChange,
    Delivery,
    Efficiency,
    Figure,
    HaltEntry,
    Pillars,
    Reliability,
    Vigilance,
    WaitingRun,
)
from factory.review.sweep_records import SweepCompletionTicket, completion
from factory.review.trends import figure
from factory.store.statuses import RunStatus

NOTHING_DELIVERED = frozenset(
    {
        RunStatus.FAILED.value,
        RunStatus.REFUSED.value,
        RunStatus.BUDGET_EXCEEDED.value,
        RunStatus.REJECTED.value,
        RunStatus.CLOSED.value,
        RunStatus.TICKET_CLOSED.value,
    }
)
ENDED_BADLY = NOTHING_DELIVERED | {RunStatus.HALTED.value}
WAITING = (RunStatus.WAITING_APPROVAL.value, RunStatus.NEEDS_HUMAN.value)
LEVELS = {"L0": 0, "L1": 1, "L2": 2, "L3": 3}


@dataclass
class GroupData:
    """What a group's figures are computed from."""

    repos: set[str]
    runs: list[RunRecord]
    changes: list[Change]
    """The factory's changes (deployments) in these repositories, both periods."""
    incidents: list[IncidentRow]
    halts: list[HaltRow]
    pulls: list[PullRecord]
    sweep_tickets: list[SweepCompletionTicket] = field(default_factory=list)
    sweeps_recorded: int = 0
    """How many sweeps the store holds at all: none makes sweep completion unknown, not 0."""


def select_group(
    records: ReviewRecords, repos: set[str], changes: Sequence[Change], everything: bool = False
) -> GroupData:
    return GroupData(
        repos=repos,
        runs=[run for run in records.runs.values() if run.repo in repos],
        changes=[c for c in changes if c.repo in repos],
        incidents=[i for i in records.incidents if i.repo in repos],
        halts=[h for h in records.halts if h.scope == "all" or h.scope in repos or everything],
        pulls=[p for p in records.pulls if p.repo in repos and p.run_id is not None],
        sweep_tickets=[t for t in records.sweep_tickets if t.repo in repos],
        sweeps_recorded=records.sweeps_recorded,
    )


def _sum_known(values: Sequence[float | None]) -> float | None:
    """The sum, or None when any part is unknown: an unknown cost is not $0."""
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += value
    return round(total, 6)


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


class _Period:
    """One period's runs and changes of a group, and the figures over them.

    Every per-run sum is taken in one pass over the runs when the period is made: a review
    of ten thousand runs computes some twenty figures for each of several groups and periods.
    """

    def __init__(self, data: GroupData, since: datetime, until: datetime) -> None:
        from factory.review.dora import dora_values

        self.since, self.until = since, until
        self.days = (until - since).total_seconds() / 86400
        self.runs = [r for r in data.runs if since <= r.created_at < until]
        self.changes = [c for c in data.changes if since <= c.merged_at < until]
        self.incidents = [i for i in data.incidents if since <= i.opened_at < until]
        self.pulls = [p for p in data.pulls if since <= p.created_at < until]
        self.dora = dora_values(self.changes, since, until)
        tickets: set[str] = set()
        tested = green = rounds = rounded = unpriced = 0
        secrets = protected = 0
        spend = wasted = tokens_in = tokens_out = cache = sandbox = 0.0
        spend_unknown = wasted_unknown = False
        waits: list[float] = []
        for run in self.runs:
            facts = run.facts
            tickets.add(run.ticket_ref)
            if facts.test_reports:
                tested += 1
                green += facts.test_reports[0]
            if facts.code_rounds:
                rounds += facts.code_rounds
                rounded += 1
            unpriced += facts.unpriced_calls
            spend += facts.cost_usd
            spend_unknown = spend_unknown or bool(facts.unpriced_calls)
            if run.status in NOTHING_DELIVERED:
                wasted += facts.cost_usd
                wasted_unknown = wasted_unknown or bool(facts.unpriced_calls)
            tokens_in += facts.tokens_in
            tokens_out += facts.tokens_out
            cache += facts.cache_read
            sandbox += facts.sandbox_s
            if facts.decided_at and facts.waiting_since:
                waits.append((facts.decided_at - facts.waiting_since).total_seconds() / 3600)
            secrets += facts.secret_caught
            protected += facts.touched_protected
        self.ticket_count = len(tickets)
        self.first_green = _ratio(green, tested)
        self.iteration_mean = round(rounds / rounded, 3) if rounded else None
        self.unpriced_calls = unpriced
        self.spend_known = round(spend, 6)
        # An unknown price anywhere makes the total unknown: it is not smaller, it is unknown.
        self.spend = None if spend_unknown else round(spend, 6)
        self.wasted = None if wasted_unknown else round(wasted, 6)
        self.tokens = tokens_in + tokens_out + cache
        self.cache_share = _ratio(cache, cache + tokens_in)
        self.sandbox_minutes = round(sandbox / 60, 3)
        self.approval_wait = round(sum(waits), 3) if waits else None
        # Merged with no person in the loop: the factory merged by itself (L2/L3), unapproved.
        alone = sum(1 for change in self.changes if change.merged_by == "factory")
        self.unreviewed_share = _ratio(alone, len(self.changes))
        self.secrets, self.protected = secrets, protected

    def per_week(self, count: float) -> float | None:
        return round(count / (self.days / 7), 3) if self.days > 0 else None

    def prs_opened(self) -> float:
        return len(self.pulls)

    def prs_merged(self) -> float:
        return len(self.changes)

    def fail_rate(self) -> float | None:
        return _ratio(sum(c.failed for c in self.changes), len(self.changes))

    def reverts(self) -> float:
        return sum(any(e.startswith("reverted") for e in c.failure_evidence) for c in self.changes)

    def incidents_linked(self, linked: set[int]) -> float:
        return sum(1 for incident in self.incidents if incident.id in linked)

    def cost_per_merge(self) -> float | None:
        merged = len(self.changes)
        return round(self.spend / merged, 6) if self.spend is not None and merged else None


def _fig(
    now: _Period,
    before: _Period,
    compute: Callable[[_Period], float | None],
    unit: str,
    better: str = "neither",
    note: str | None = None,
) -> Figure:
    return figure(compute(now), compute(before), unit, better, note)  # type: ignore[arg-type]


def _sweep_completion(
    data: GroupData, since: datetime, until: datetime, previous_since: datetime
) -> Figure:
    """Share of the tickets sweeps selected that reached an ending (see sweep_records.py)."""
    if not data.sweeps_recorded:
        return figure(None, None, "ratio", "up", note="no sweep is recorded in the store")
    now = completion(data.sweep_tickets, data.repos, since, until)
    before = completion(data.sweep_tickets, data.repos, previous_since, since)
    note = None if now is not None else "no ended sweep selected a ticket here in the period"
    return figure(now, before, "ratio", "up", note=note)


def build_pillars(
    group: Literal["factory", "repository", "owner", "domain"],
    name: str,
    data: GroupData,
    since: datetime,
    until: datetime,
    previous_since: datetime,
    audit: AuditStatus,
    linked_incidents: set[int],
) -> Pillars:
    now, before = _Period(data, since, until), _Period(data, previous_since, since)
    waiting = sorted(
        (run for run in data.runs if run.status in WAITING),
        key=lambda run: run.facts.waiting_since or run.updated_at,
    )
    queue = [
        WaitingRun(
            run_id=run.id,
            repo=run.repo,
            since=run.facts.waiting_since or run.updated_at,
            age_hours=round(
                (until - (run.facts.waiting_since or run.updated_at)).total_seconds() / 3600, 2
            ),
            pr=run.outcome,
        )
        for run in waiting
    ]
    delivery = Delivery(
        tickets_attempted=_fig(now, before, lambda p: p.ticket_count, "count", "up"),
        prs_opened=_fig(now, before, _Period.prs_opened, "count", "up"),
        prs_merged=_fig(now, before, _Period.prs_merged, "count", "up"),
        prs_opened_per_week=_fig(
            now, before, lambda p: p.per_week(p.prs_opened()), "per_week", "up"
        ),
        prs_merged_per_week=_fig(
            now, before, lambda p: p.per_week(p.prs_merged()), "per_week", "up"
        ),
        lead_time_ticket_hours=_fig(now, before, lambda p: p.dora.lead_ticket, "hours", "down"),
        lead_time_commit_hours=_fig(now, before, lambda p: p.dora.lead_commit, "hours", "down"),
        sweep_completion=_sweep_completion(data, since, until, previous_since),
        waiting_for_human=figure(len(queue), None, "count", "down"),
        waiting_queue=queue,
    )
    failed_by = Counter(
        run.facts.stop_reason or run.status for run in now.runs if run.status in ENDED_BADLY
    )
    reliability = Reliability(
        first_try_green_rate=_fig(now, before, lambda p: p.first_green, "ratio", "up"),
        iterations_per_run=_fig(now, before, lambda p: p.iteration_mean, "count", "down"),
        change_fail_rate=_fig(now, before, _Period.fail_rate, "ratio", "down"),
        reverts=_fig(now, before, _Period.reverts, "count", "down"),
        incidents_linked=_fig(
            now, before, lambda p: p.incidents_linked(linked_incidents), "count", "down"
        ),
        runs_failed_by_reason=dict(sorted(failed_by.items())),
        flaky_tests=sorted({test for run in now.runs for test in run.facts.flaky}),
    )
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    for run in now.runs:
        for policy, outcome in run.facts.verdicts:
            verdicts[policy][outcome] += 1
    vigilance = Vigilance(
        verdicts_by_policy={p: dict(sorted(c.items())) for p, c in sorted(verdicts.items())},
        decisions=dict(
            sorted(Counter(r.facts.decision for r in now.runs if r.facts.decision).items())
        ),
        secrets_caught=_fig(now, before, lambda p: p.secrets, "count"),
        protected_paths_touched=_fig(now, before, lambda p: p.protected, "count"),
        unreviewed_merge_share=_fig(now, before, lambda p: p.unreviewed_share, "ratio"),
        halts=_halts(data.halts, since, until),
        autonomy_changes=_autonomy_changes(now.runs),
        audit=audit,
    )
    unpriced = now.unpriced_calls
    note = (
        f"{unpriced} model calls had no known price; known part ${now.spend_known:.2f}"
        if unpriced
        else None
    )
    efficiency = Efficiency(
        spend_usd=_fig(now, before, lambda p: p.spend, "usd", "down", note),
        cost_per_merged_pr=_fig(now, before, _Period.cost_per_merge, "usd", "down", note),
        cost_by_role=_cost_table(now.runs, "role"),
        cost_by_model=_cost_table(now.runs, "model"),
        unpriced_calls=unpriced,
        tokens=_fig(now, before, lambda p: p.tokens, "tokens"),
        cache_read_share=_fig(now, before, lambda p: p.cache_share, "ratio", "up"),
        sandbox_minutes=_fig(now, before, lambda p: p.sandbox_minutes, "minutes"),
        spend_on_nothing=_fig(now, before, lambda p: p.wasted, "usd", "down"),
        approval_wait_hours=_fig(now, before, lambda p: p.approval_wait, "hours", "down"),
    )
    return Pillars(
        group=group,
        name=name,
        repos=sorted(data.repos),
        runs=len(now.runs),
        delivery=delivery,
        reliability=reliability,
        vigilance=vigilance,
        efficiency=efficiency,
    )


def _cost_table(runs: Sequence[RunRecord], by: Literal["role", "model"]) -> dict[str, float | None]:
    totals: dict[str, float | None] = {}
    for run in runs:
        table = run.facts.cost_by_role if by == "role" else run.facts.cost_by_model
        for key, cost in table.items():
            before = totals.get(key, 0.0)
            totals[key] = None if cost is None or before is None else round(before + cost, 6)
    return dict(sorted(totals.items()))


def _halts(halts: Sequence[HaltRow], since: datetime, until: datetime) -> list[HaltEntry]:
    entries = []
    for halt in halts:
        if halt.created_at >= until or (halt.lifted_at is not None and halt.lifted_at < since):
            continue
        hours = (
            round((halt.lifted_at - halt.created_at).total_seconds() / 3600, 2)
            if halt.lifted_at
            else None
        )
        entries.append(
            HaltEntry(
                scope=halt.scope,
                by=halt.by,
                reason=halt.reason,
                started=halt.created_at,
                lifted=halt.lifted_at,
                hours=hours,
            )
        )
    return entries


def _autonomy_changes(runs: Sequence[RunRecord]) -> list[AutonomyChange]:
    changes = []
    for run in runs:
        for change in run.facts.level_changes:
            old, new = change.get("from"), str(change.get("to"))
            step = LEVELS.get(new, 0) - LEVELS.get(str(old), 0)
            changes.append(
                AutonomyChange(
                    repo=run.repo,
                    run_id=run.id,
                    at=parse_ts(change["at"]),
                    previous=old,
                    level=new,
                    direction="promotion" if step > 0 else "demotion" if step < 0 else "change",
                    why=[str(e) for e in change.get("evidence") or []][:5],
                )
            )
    return sorted(changes, key=lambda c: c.at)
