"""A pull request's maintenance pass as a job: what the webhook queues when a review or a
comment arrives (`factory/pulls/maintain.py` does the work).

Jobs of one pull request share a procrastinate `lock` (never two at once) and a queueing lock
(one waiting job however many deliveries arrive while it waits: it reads all of them). A
delivery arriving while a job runs queues the next one, which finds what the first left.
"""

from __future__ import annotations

from typing import Any

from factory.config import FactoryConfig
from factory.queue.app import open_queue
from factory.queue.task_names import MAINTAIN_TASK, MAINTENANCE_QUEUE
from factory.store import Store


def pull_lock(repo: str, number: int) -> str:
    return f"pull:{repo}#{number}"


def queue_pull_maintenance(config: FactoryConfig, repo: str, number: int) -> dict[str, Any]:
    """Queue the pass over pull request `number` of the configured repository `repo`."""
    from procrastinate.exceptions import AlreadyEnqueued

    lock = pull_lock(repo, number)
    with open_queue(config) as app:
        try:
            job_id = app.configure_task(
                MAINTAIN_TASK, queue=MAINTENANCE_QUEUE, lock=lock, queueing_lock=lock
            ).defer(repo=repo, number=number)
        except AlreadyEnqueued:  # a waiting job of this pull request will read it too
            for job in app.job_manager.list_jobs(task=MAINTAIN_TASK, lock=lock, status="todo"):
                return {"job_id": int(job.id or 0), "already": True}
            raise
    return {"job_id": job_id, "already": False}


def maintain_pull_job(config: FactoryConfig, repo: str, number: int) -> dict[str, Any]:
    """The job's body: one pass over the pull request, as `factory pr sync` makes it."""
    from factory.pulls.maintain import maintain_pull

    with Store.open(config) as store:
        result = maintain_pull(config, store, repo, number)
    return result.model_dump(mode="json")
