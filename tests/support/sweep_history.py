"""Sweeps put in a test's store with known outcomes: a finished sweep carries the morning
report the sweep module builds (`build_report`); a sweep whose process died carries none."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from factory.store import Store
from factory.store.models import Run, Sweep
from factory.sweep.outcome import SweepRequest, SweepResult, TicketOutcome
from factory.sweep.report import build_report


def outcome(identity: str, repo: str, status: str, **extra: Any) -> TicketOutcome:
    return TicketOutcome(
        identity=identity,
        repo=repo,
        title=f"ticket {identity}",
        action="start",
        status=status,
        **extra,
    )


def finished_sweep(
    store: Store, started: datetime, outcomes: list[TicketOutcome], *, stopped: str | None = None
) -> str:
    """A sweep that ended and wrote its morning report, begun at `started`."""
    sweep = store.sweeps.create({"repos": []})
    result = SweepResult(
        sweep_id=sweep.id,
        dry_run=False,
        request=SweepRequest(),
        started_at=started,
        finished_at=started + timedelta(hours=1),
        considered=len(outcomes),
        outcomes=outcomes,
        stopped=stopped,
    )
    store.sweeps.finish(
        sweep.id, "stopped" if stopped else "finished", build_report(result).model_dump(mode="json")
    )
    _move(store, sweep.id, started, started + timedelta(hours=1))
    return sweep.id


def dead_sweep(store: Store, started: datetime) -> str:
    """A sweep whose process died mid-way: still `running` in the store, no report."""
    sweep = store.sweeps.create({"repos": []})
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a real process of this host that no longer exists
    with store.engine.begin() as connection:
        connection.execute(
            update(Sweep)
            .where(Sweep.id == sweep.id)
            .values(owner=f"{socket.gethostname()}:{gone.pid}", started_at=started)
        )
        # Its audit-chain anchor (a row in `runs`) was written when it started, too.
        connection.execute(
            update(Run).where(Run.id == sweep.id).values(created_at=started, updated_at=started)
        )
    return sweep.id


def drive(store: Store, run_id: str, sweep_id: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(update(Run).where(Run.id == run_id).values(sweep_id=sweep_id))


def _move(store: Store, sweep_id: str, started: datetime, finished: datetime) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            update(Sweep)
            .where(Sweep.id == sweep_id)
            .values(started_at=started, finished_at=finished)
        )
        connection.execute(
            update(Run).where(Run.id == sweep_id).values(created_at=started, updated_at=started)
        )
