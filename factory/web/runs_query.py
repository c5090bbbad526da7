"""The runs list of the dashboard: newest first, filtered by repository, status and dates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from factory.store import Run, Store

PAGE = 200


def list_runs(
    store: Store,
    *,
    repo: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = PAGE,
) -> list[Run]:
    query = select(Run).order_by(Run.created_at.desc(), Run.id).limit(limit)
    if repo:
        query = query.where(Run.repo == repo)
    if status:
        query = query.where(Run.status == status)
    if since is not None:
        query = query.where(Run.created_at >= since)
    if until is not None:
        query = query.where(Run.created_at < until)
    with store.engine.connect() as connection:
        from sqlalchemy.orm import Session

        with Session(bind=connection) as session:
            return list(session.scalars(query))
