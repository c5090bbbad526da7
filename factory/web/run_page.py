"""One run's page as data, from its audit events in order (its trajectory) and a verification
of its chain: the timeline of nodes, model calls with tokens and cost, sandbox commands with
exit codes, gate verdicts with reasons, the diff the gate saw, test reports, the review, and
every agent's turns read back from their transcripts (`factory.run.trajectory`), and the life
of its pull request after it opened: the follow-up rounds and what they cost
(`factory.store.pull_request_life`).

The chain status checks the run's own events, run row and digest rows; the global digest chain
over every run is `factory audit verify`'s job (re-hashing it per page view would make a run's
page as slow as the whole log is long)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select

from factory.run.trajectory import AuditVerdict, Trajectory, trajectory_of
from factory.store import Event, Run, Store
from factory.store.audit import verify
from factory.store.pull_request_life import PullRequestLife, fold_life_event
from factory.store.statuses import RunStatus
from factory.support.utc import utcnow
from factory.support.wording import readable_time

LIVE = frozenset({RunStatus.QUEUED.value, RunStatus.RUNNING.value})

PEOPLE_AND_PULL_REQUESTS = ("merge.done", "pr.opened", "run.waiting", "pr.merged", "pr.closed")
"""Events the page lists with approvals: who decided what about the pull request."""


@dataclass
class RunPage:
    run: Run
    events: int
    timeline: list[dict[str, Any]] = field(default_factory=list)
    model_calls: list[dict[str, Any]] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    gate: list[dict[str, Any]] = field(default_factory=list)
    diff: list[dict[str, Any]] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    approvals: list[dict[str, Any]] = field(default_factory=list)
    cost_usd: float | None = 0.0
    unpriced_calls: int = 0
    audit_ok: bool = True
    audit_detail: str = ""
    trajectory: Trajectory | None = None
    """Every agent's turns with their tool calls, outputs and edits (`factory.run.trajectory`)."""
    pull: PullRequestLife | None = None
    """Its pull request's rounds, rebases, CI reads and waits, folded from the same events."""

    @property
    def pull_waiting_hours(self) -> float | None:
        """Hours its pull request waited for a person, the wait still open counted up to now."""
        return None if self.pull is None else self.pull.waiting_hours(utcnow())

    @property
    def live(self) -> bool:
        return self.run.status in LIVE


def run_page(store: Store, run_id: str) -> RunPage:
    """The page of `run_id`; RunNotFoundError (a KeyError) when there is no such run."""
    run = store.runs.get(run_id)
    # Plain rows, not ORM objects: a run page reads every event of the run once.
    with store.engine.connect() as connection:
        events = connection.execute(
            select(Event.kind, Event.actor, Event.ts, Event.payload)
            .where(Event.run_id == run_id)
            .order_by(Event.seq)
        ).all()
    report = verify(store, run_id=run_id, digest_chain=False)
    pull = PullRequestLife(run_id=run_id)
    page = RunPage(
        run=run,
        events=len(events),
        audit_ok=report.ok,
        audit_detail=report.summary(),
        pull=pull,
    )
    started: dict[str, str] = {}
    for event in events:
        data = orjson.loads(event.payload)
        kind = event.kind
        fold_life_event(pull, kind, event.actor, event.ts, event.payload)
        if kind == "node.started":
            started[data.get("node", "?")] = readable_time(event.ts)
        elif kind == "node.finished":
            node = data.get("node", "?")
            page.timeline.append(
                {
                    "node": node,
                    "iteration": data.get("iteration"),
                    "started": started.pop(node, None),
                    "finished": readable_time(event.ts),
                    "seconds": data.get("duration_s"),
                    "sandbox_s": data.get("sandbox_s"),
                }
            )
        elif kind == "model.call":
            cost = data.get("cost_usd")
            if cost is None:
                page.unpriced_calls += 1
            elif page.cost_usd is not None:
                page.cost_usd += cost
            page.model_calls.append({**data, "role": event.actor, "ts": readable_time(event.ts)})
        elif kind == "tool.call" and data.get("exit_code") is not None:
            page.commands.append({**data, "role": event.actor, "ts": readable_time(event.ts)})
        elif kind == "gate.decision":
            decision = data.get("decision") or {}
            page.gate.append(decision)
            page.diff = ((data.get("context") or {}).get("diff") or {}).get("files") or []
        elif kind == "tests.report":
            page.tests.append({**data, "ts": readable_time(event.ts)})
        elif kind == "agent.output" and data.get("node") == "review":
            page.reviews.append(data.get("output") or {})
        elif kind.startswith("approval.") or kind in PEOPLE_AND_PULL_REQUESTS:
            page.approvals.append(
                {**data, "kind": kind, "actor": event.actor, "ts": readable_time(event.ts)}
            )
    if page.unpriced_calls:
        page.cost_usd = None  # an unknown price makes the total unknown, not smaller
    audit = AuditVerdict(ok=report.ok, detail=report.summary())
    page.trajectory = trajectory_of(store, run, events, audit)
    return page
