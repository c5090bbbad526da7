"""Initiatives: done, open, in flight and stalled tickets, and when each will be done at the
recent rate, against its due date.

A ticket's state is its newest run's: merged or done is done; queued, running, waiting, a PR
open or halted is in flight; no run, or a run that delivered nothing, is open. A ticket not
done with nothing recorded (ticket read, run updated) for `stalled_after_days` is stalled.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta

from factory.config.initiatives import InitiativeConfig
from factory.review.records import ReviewRecords, TicketRun
from factory.review.schema import InitiativeStatus, Period
from factory.store.statuses import RunStatus

DONE = frozenset({RunStatus.MERGED.value, RunStatus.DONE.value})
IN_FLIGHT = frozenset(
    {
        RunStatus.QUEUED.value,
        RunStatus.RUNNING.value,
        RunStatus.WAITING_APPROVAL.value,
        RunStatus.NEEDS_HUMAN.value,
        RunStatus.PR_OPEN.value,
        RunStatus.HALTED.value,
    }
)


def initiative_statuses(
    records: ReviewRecords, configured: Mapping[str, InitiativeConfig], period: Period
) -> list[InitiativeStatus]:
    members: dict[str, list[str]] = {name: [] for name in configured}
    for ticket in records.tickets.values():
        for name in ticket.initiatives:
            members.setdefault(name, []).append(ticket.ref)
    return [
        _status(name, refs, records, configured.get(name) or InitiativeConfig(), period)
        for name, refs in sorted(members.items())
    ]


def _status(
    name: str,
    refs: list[str],
    records: ReviewRecords,
    settings: InitiativeConfig,
    period: Period,
) -> InitiativeStatus:
    done = open_ = in_flight = done_in_period = 0
    stalled: list[str] = []
    quiet_since = period.until - timedelta(days=settings.stalled_after_days)
    for ref in sorted(refs):
        runs = records.ticket_runs.get(ref, [])
        newest: TicketRun | None = max(runs, key=lambda r: r.created_at, default=None)
        ticket = records.tickets[ref]
        moved = max([ticket.updated_at, *(run.updated_at for run in runs)])
        if newest is not None and newest.status in DONE:
            done += 1
            if period.since <= newest.updated_at < period.until:
                done_in_period += 1
            continue
        if newest is not None and newest.status in IN_FLIGHT:
            in_flight += 1
        else:
            open_ += 1
        if moved < quiet_since:
            stalled.append(ref)
    remaining = len(refs) - done
    weeks = period.days / 7
    rate = round(done_in_period / weeks, 3) if weeks > 0 else None
    projected = period.until + timedelta(weeks=remaining / rate) if rate and remaining else None
    due = datetime.combine(settings.due, time.max, tzinfo=UTC) if settings.due else None
    on_track: bool | None = None
    if due is not None:
        on_track = remaining == 0 or (projected is not None and projected <= due)
    return InitiativeStatus(
        name=name,
        owner=settings.owner,
        due=due,
        tickets=len(refs),
        done=done,
        open=open_,
        in_flight=in_flight,
        stalled=len(stalled),
        stalled_tickets=stalled,
        rate_per_week=rate,
        projected_completion=projected,
        on_track=on_track,
    )
