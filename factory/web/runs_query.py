"""The runs list of the dashboard: newest first, filtered by repository, status, sweep and
dates. Sweeps' audit-chain anchors (rows in `runs` with the sweep's id) are not runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from factory.governance.liveness import observed_status
from factory.store import Run, RunStatus, Store
from factory.store.sweeps import SWEEP_ID_PREFIX

PAGE = 200


def list_runs(
    store: Store,
    *,
    repo: str | None = None,
    status: str | None = None,
    sweep: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = PAGE,
) -> list[Run]:
    query = (
        select(Run)
        .where(Run.id.not_like(f"{SWEEP_ID_PREFIX}%"))
        .where(Run.eval_id.is_(None))  # an eval's runs delivered nothing: the Eval page shows them
        .order_by(Run.created_at.desc(), Run.id)
        .limit(limit)
    )
    if sweep:
        query = query.where(Run.sweep_id == sweep)
    if repo:
        query = query.where(Run.repo == repo)
    live_only: bool | None = None  # running and interrupted share a stored status
    if status in (RunStatus.RUNNING, RunStatus.INTERRUPTED):
        live_only = status == RunStatus.RUNNING
        status = RunStatus.RUNNING.value
    if status:
        query = query.where(Run.status == status)
    if since is not None:
        query = query.where(Run.created_at >= since)
    if until is not None:
        query = query.where(Run.created_at < until)
    with store.engine.connect() as connection:
        from sqlalchemy.orm import Session

        with Session(bind=connection) as session:
            runs = list(session.scalars(query))
    if live_only is None:
        return runs
    return [run for run in runs if (observed_status(run) == RunStatus.RUNNING) == live_only]
