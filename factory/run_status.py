"""What a run is waiting for, in words a person can act on."""

from __future__ import annotations

import json

from factory.store import RunStatus, Store
from factory.store.models import Run


def waiting_for(store: Store, run: Run) -> str | None:
    """The action that moves the run on, or None when it needs nothing (or is finished)."""
    status = RunStatus(run.status)
    if status == RunStatus.WAITING_APPROVAL:
        pr = None
        for event in reversed(store.events(run.id)):
            if event.kind == "run.waiting":
                pr = json.loads(event.payload).get("pr")
                break
        subject = f"pull request #{pr}" if pr is not None else "its pull request"
        return (
            f"a person to approve or reject {subject}: "
            f"`factory approve {run.id}` or `factory reject {run.id} --reason ...`"
        )
    if status == RunStatus.HALTED:
        return f"the halt to be lifted (`factory unhalt`), then `factory resume {run.id}`"
    if status == RunStatus.FAILED:
        cause = run.outcome or "see its events"
        return f"the cause to be fixed ({cause}), then `factory resume {run.id}`"
    if status == RunStatus.NEEDS_HUMAN:
        return f"a person to take over branch {run.branch}"
    if status == RunStatus.RUNNING:
        return f"its process; if that died, `factory resume {run.id}` continues it"
    return None
