"""Sweep completion, from the `sweeps` table: of the tickets a sweep started or resumed, the
share that reached an ending (merged, PR open, waiting for a human, refused, failed, no change)
before the sweep ended, rather than being left at a checkpoint for the next one.

A finished or stopped sweep is judged by its own morning report (its `interrupted` list holds
the tickets left at a checkpoint). A sweep whose process died wrote no report: its tickets are
the runs it drove, and one still `running` or `queued` in the store did not reach an ending. A
sweep still running is not judged yet. Dry runs select nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from factory.store import Store
from factory.store.models import Sweep
from factory.store.statuses import RunStatus
from factory.store.sweeps import observed_sweep_status

REPORT_LISTS = (
    "merged",
    "pull_requests",
    "waiting_for_human",
    "refused",
    "failed",
    "no_change",
    "interrupted",
)
NOT_ENDED = frozenset({RunStatus.RUNNING.value, RunStatus.QUEUED.value})


@dataclass(frozen=True)
class SweepCompletionTicket:
    """One ticket one sweep selected, and whether it reached an ending in that sweep."""

    sweep_id: str
    started_at: datetime
    repo: str
    ticket: str
    ended: bool


def load_sweep_tickets(store: Store, since: datetime) -> tuple[int, list[SweepCompletionTicket]]:
    """(how many sweeps are recorded at all, the tickets of those judged that began since)."""
    with store.engine.connect() as connection:
        recorded = connection.execute(select(func.count()).select_from(Sweep)).scalar_one()
    tickets: list[SweepCompletionTicket] = []
    for sweep in store.sweeps.latest(limit=100_000):
        started = sweep.started_at
        if started < since:
            continue
        status = observed_sweep_status(sweep)
        if status == "running":
            continue
        report = json.loads(sweep.totals or "{}")
        if report:
            if report.get("dry_run"):
                continue
            tickets += _from_report(sweep.id, started, report)
        else:
            tickets += [
                SweepCompletionTicket(
                    sweep.id,
                    started,
                    run.repo,
                    run.ticket_id or run.ticket_ref,
                    run.status not in NOT_ENDED,
                )
                for run in store.runs.of_sweep(sweep.id)
            ]
    return recorded, tickets


def _from_report(
    sweep_id: str, started: datetime, report: dict[str, Any]
) -> list[SweepCompletionTicket]:
    left = {item["identity"] for item in report.get("interrupted", [])}
    seen: dict[str, str] = {}
    for name in REPORT_LISTS:
        for item in report.get(name, []):
            seen.setdefault(item["identity"], item["repo"])
    return [
        SweepCompletionTicket(sweep_id, started, repo, identity, identity not in left)
        for identity, repo in seen.items()
    ]


def completion(
    tickets: list[SweepCompletionTicket], repos: set[str], since: datetime, until: datetime
) -> float | None:
    """Ended / selected for the sweeps that began in [since, until); None when none selected."""
    chosen = [t for t in tickets if t.repo in repos and since <= t.started_at < until]
    if not chosen:
        return None
    return round(sum(t.ended for t in chosen) / len(chosen), 4)
