"""DORA's five metrics over a list of changes (one population: the factory's, or humans').

A change is one deployment (a merge to the base branch). It failed when a revert names one of
its commits or an incident names it as root cause; recovery is that incident's open -> resolve
time, else the time from the deployment to its revert. Rework is a deployment that was an
unplanned fix: a revert, or a change whose ticket is labelled `incident` or `hotfix`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from factory.review.dora_tiers import Metric, tier_for
from factory.review.schema import Better, DoraFigures, DoraMetric, Period
from factory.review.trends import trend_of

REWORK_LABELS = frozenset({"incident", "hotfix"})


@dataclass
class Change:
    repo: str
    sha: str
    merged_at: datetime
    first_commit_at: datetime | None
    ticket_opened_at: datetime | None
    author: str
    """`agent` or `human`."""
    run_id: str | None = None
    pr: int | None = None
    rework: bool = False
    failed: bool = False
    failure_evidence: list[str] = field(default_factory=list)
    recovery_hours: float | None = None
    shas: set[str] = field(default_factory=set)
    merged_by: str | None = None
    """`factory` when the factory merged by itself, a person's name when one merged or
    approved the merge, None when only git saw it (no command recorded who)."""


def _hours(start: datetime | None, end: datetime) -> float | None:
    return None if start is None else max(0.0, (end - start).total_seconds() / 3600)


def _median(values: Sequence[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return round(median(known), 3) if known else None


@dataclass
class DoraValues:
    deployments: int
    failed: int
    frequency: float | None
    lead_ticket: float | None
    lead_commit: float | None
    fail_rate: float | None
    recovery: float | None
    rework: float | None


def dora_values(changes: Sequence[Change], since: datetime, until: datetime) -> DoraValues:
    inside = [c for c in changes if since <= c.merged_at < until]
    days = (until - since).total_seconds() / 86400
    failed = [c for c in inside if c.failed]
    count = len(inside)
    return DoraValues(
        deployments=count,
        failed=len(failed),
        frequency=round(count / days, 4) if days > 0 else None,
        lead_ticket=_median([_hours(c.ticket_opened_at, c.merged_at) for c in inside]),
        lead_commit=_median([_hours(c.first_commit_at, c.merged_at) for c in inside]),
        fail_rate=round(len(failed) / count, 4) if count else None,
        recovery=_median([c.recovery_hours for c in failed]),
        rework=round(sum(c.rework for c in inside) / count, 4) if count else None,
    )


def _metric(
    value: float | None, previous: float | None, unit: str, better: Better, tier_metric: Metric
) -> DoraMetric:
    return DoraMetric(
        value=value,
        previous=previous,
        unit=unit,
        better=better,
        trend=trend_of(value, previous),
        tier=tier_for(tier_metric, value),
    )


def dora_figures(changes: Sequence[Change], period: Period) -> DoraFigures:
    now = dora_values(changes, period.since, period.until)
    before = dora_values(changes, period.previous_since, period.since)
    return DoraFigures(
        deployments=now.deployments,
        changes=now.deployments,
        failed_changes=now.failed,
        deployment_frequency=_metric(
            now.frequency, before.frequency, "per_day", "up", "deployment_frequency"
        ),
        lead_time_ticket=_metric(now.lead_ticket, before.lead_ticket, "hours", "down", "lead_time"),
        lead_time_commit=_metric(now.lead_commit, before.lead_commit, "hours", "down", "lead_time"),
        change_fail_rate=_metric(
            now.fail_rate, before.fail_rate, "ratio", "down", "change_fail_rate"
        ),
        recovery_time=_metric(now.recovery, before.recovery, "hours", "down", "recovery_time"),
        rework_rate=_metric(now.rework, before.rework, "ratio", "down", "rework_rate"),
    )
