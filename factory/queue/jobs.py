"""What is on the queue: list jobs, show one, cancel one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from factory.config import FactoryConfig
from factory.queue.app import open_queue
from factory.support.errors import FactoryError


class JobNotFoundError(FactoryError, KeyError):
    code = "not_found"

    def __str__(self) -> str:
        return f"no job {self.args[0]}; `factory jobs list` shows the jobs there are"


class JobView(BaseModel):
    """One job as `factory jobs` shows it."""

    id: int
    task: str
    queue: str
    status: str
    attempts: int
    ticket: str | None = None
    run_id: str | None = None
    lock: str | None = None
    scheduled_at: datetime | None = None
    args: dict[str, Any] = {}

    @classmethod
    def of(cls, job: Any) -> JobView:
        kwargs = dict(job.task_kwargs or {})
        return cls(
            id=int(job.id),
            task=job.task_name,
            queue=job.queue,
            status=str(getattr(job.status, "value", job.status) or "todo"),
            attempts=int(job.attempts or 0),
            ticket=kwargs.get("ticket"),
            run_id=kwargs.get("run_id"),
            lock=job.lock,
            scheduled_at=job.scheduled_at,
            args=kwargs,
        )


def list_jobs(
    config: FactoryConfig, status: str | None = None, queue: str | None = None
) -> list[JobView]:
    """Newest first."""
    with open_queue(config) as app:
        jobs = app.job_manager.list_jobs(status=status, queue=queue)
    return sorted((JobView.of(job) for job in jobs), key=lambda job: -job.id)


def show_job(config: FactoryConfig, job_id: int) -> JobView:
    with open_queue(config) as app:
        jobs = app.job_manager.list_jobs(id=job_id)
    if not jobs:
        raise JobNotFoundError(job_id)
    return JobView.of(jobs[0])


def cancel_job(config: FactoryConfig, job_id: int) -> JobView:
    """A waiting job is cancelled; a running one is asked to stop at its next node boundary
    (its run is then `halted`, and `factory resume` continues it)."""
    with open_queue(config) as app:
        jobs = app.job_manager.list_jobs(id=job_id)
        if not jobs:
            raise JobNotFoundError(job_id)
        if not app.job_manager.cancel_job_by_id(job_id, abort=True):
            raise ValueError(
                f"job {job_id} is {JobView.of(jobs[0]).status}: only waiting or running jobs "
                "can be cancelled"
            )
        return JobView.of(app.job_manager.list_jobs(id=job_id)[0])
