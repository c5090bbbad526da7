"""What a person did to a factory pull request, recorded on the run that opened it.

At L1 the factory opens a pull request and a person decides: `factory pr merge|close` on the
local forge, or the buttons on GitHub (seen through the forge by every sweep and by
`factory pr sync`, or delivered by the webhook). Whichever way it arrives, the run gets one
`pr.merged` or `pr.closed` event (actor `human:<who>`) and its status follows: `merged` or
`closed` (`factory reject`, the factory's own approval step, is `rejected`). The operational
review counts a `pr.merged` as the factory change's deployment, at the forge's merge time.
Recording the same decision again changes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from factory.forges.base import PullRequestInfo
from factory.store import RunStatus, Store
from factory.support.utc import utcnow

MERGED_EVENT = "pr.merged"
CLOSED_EVENT = "pr.closed"
MERGED_KINDS = frozenset({"merge.done", MERGED_EVENT})
"""Events saying a run's change was merged: by the factory itself, or by a person."""
CLOSED_KINDS = frozenset({CLOSED_EVENT, "approval.rejected"})

Decision = Literal["merged", "closed"]


def record_merged(
    store: Store,
    run_id: str | None,
    pull: PullRequestInfo,
    *,
    by: str,
    via: str,
    merged_at: datetime | None = None,
) -> bool:
    """The run's pull request was merged by `by`; False when there is no such run or the
    merge is already recorded. `merged_at` is the forge's time (now when it gives none)."""
    when = merged_at or pull.merged_at or utcnow()
    payload = {
        "number": pull.number,
        "head_branch": pull.head_branch,
        "merged_sha": pull.merged_sha,
        "merged_at": when.isoformat(),
        "via": via,
    }
    sha = (pull.merged_sha or "")[:12]
    outcome = f"merged as {sha}" if sha else f"PR #{pull.number} merged"
    return _record(store, run_id, "merged", by, payload, RunStatus.MERGED, outcome)


def record_closed(
    store: Store,
    run_id: str | None,
    pull: PullRequestInfo,
    *,
    by: str,
    via: str,
    comment: str | None = None,
) -> bool:
    """The run's pull request was closed unmerged; False when nothing new was recorded."""
    payload = {
        "number": pull.number,
        "head_branch": pull.head_branch,
        "comment": comment or "",
        "via": via,
    }
    outcome = f"PR #{pull.number} closed: {comment or 'no reason'}"
    return _record(store, run_id, "closed", by, payload, RunStatus.CLOSED, outcome)


def recorded_decision(store: Store, run_id: str) -> Decision | None:
    """What the run's record already says became of its pull request, if anything."""
    for event in reversed(store.events.read(run_id)):
        if event.kind in MERGED_KINDS:
            return "merged"
        if event.kind in CLOSED_KINDS:
            return "closed"
    return None


def run_pull_request(store: Store, run_id: str) -> int | None:
    """The number of the pull request the run opened (or found open for its branch)."""
    for event in reversed(store.events.read(run_id)):
        if event.kind in ("pr.opened", "pr.reused"):
            number = json.loads(event.payload).get("number")
            return int(number) if number is not None else None
    return None


def _record(
    store: Store,
    run_id: str | None,
    decision: Decision,
    by: str,
    payload: dict[str, Any],
    status: RunStatus,
    outcome: str,
) -> bool:
    if run_id is None or store.runs.find(run_id) is None:
        return False
    if recorded_decision(store, run_id) == decision:
        return False
    kind = MERGED_EVENT if decision == "merged" else CLOSED_EVENT
    store.events.append(run_id, kind, by, payload)
    store.runs.update(run_id, status=status, outcome=outcome[:500], finished_at=utcnow())
    store.claims.release_run(run_id)  # a run waiting for approval held its ticket's claim
    return True


def person(name: str | None) -> str:
    """The audit actor for a person (a login, a user name); `human:unknown` when unnamed."""
    return f"human:{name or 'unknown'}"


__all__ = [
    "CLOSED_EVENT",
    "MERGED_EVENT",
    "MERGED_KINDS",
    "person",
    "record_closed",
    "record_merged",
    "recorded_decision",
    "run_pull_request",
]
