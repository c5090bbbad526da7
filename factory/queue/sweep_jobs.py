"""`factory sweep --enqueue` and the scheduled sweep: the sweep's selection, as run jobs.

The backlog is read and selected exactly as `factory sweep` does (same skips, same order),
but instead of driving the tickets in this process each selected ticket becomes one run job
(`enqueue.queue_ticket`, whose queueing lock on the ticket makes a second sweep, or a
webhook, add nothing for a ticket already queued). An interrupted run's job resumes it.
Workers then drive the runs; budgets and `--max-wall` belong to the in-process sweep.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from factory.config import FactoryConfig
from factory.queue.enqueue import EnqueuedRun, queue_ticket
from factory.run.setup import RunOptions
from factory.store import Store
from factory.sweep.backlog import BacklogTicket
from factory.sweep.driver import DEFAULT_CASSETTE, check_request, select_backlog
from factory.sweep.outcome import SweepRequest
from factory.sweep.selection import Pick, Skip


class NotQueued(BaseModel):
    """A selected ticket that got no job, and why."""

    identity: str
    reason: str


class SweepEnqueued(BaseModel):
    """What `factory sweep --enqueue` did: jobs queued (or found queued), and the rest."""

    considered: int
    queued: list[EnqueuedRun]
    not_queued: list[NotQueued]
    skips: list[Skip]


def enqueue_sweep(config: FactoryConfig, store: Store, request: SweepRequest) -> SweepEnqueued:
    """Select the backlog like `factory sweep` and queue one run job per selected ticket."""
    repos = check_request(config, request)
    backlog, problems, selection = select_backlog(config, store, repos, request)
    queued: list[EnqueuedRun] = []
    not_queued: list[NotQueued] = []
    for pick in selection.picks:
        if request.limit is not None and len(queued) >= request.limit:
            not_queued.append(NotQueued(identity=pick.item.identity, reason="over --limit"))
            continue
        source = _source(pick.item)
        if source is None:
            not_queued.append(
                NotQueued(
                    identity=pick.item.identity,
                    reason="added with `factory ticket add`, which a worker cannot read: "
                    "run `factory sweep` without --enqueue for it",
                )
            )
            continue
        options = RunOptions(repo=pick.item.repo, replay=_cassette(request, pick))
        queued.append(queue_ticket(config, source, options, run_id=_resumed(pick)))
    return SweepEnqueued(
        considered=len(backlog) + len(problems),
        queued=queued,
        not_queued=not_queued,
        skips=selection.skips,
    )


def _source(item: BacklogTicket) -> str | None:
    """The reference a worker resolves the ticket by (the same as `factory run --enqueue`)."""
    if item.source == "github":
        return item.ticket.ref
    if item.source == "backlog_dir":
        return str(Path(item.ticket.ref).expanduser().resolve())
    return None


def _resumed(pick: Pick) -> str | None:
    return pick.run_id if pick.action == "resume" else None


def _cassette(request: SweepRequest, pick: Pick) -> Path | None:
    directory = request.replay_dir
    if directory is None:
        return None
    own = directory / f"{pick.item.ticket.key}.jsonl"
    return (own if own.is_file() else directory / DEFAULT_CASSETTE).resolve()
