"""GitHub's CI deliveries (`check_run`, `check_suite`, `status`): the pull requests of the
head commit they speak of get a maintenance pass (`maintain_pull` job), which reads the
checks from GitHub itself; the payload's word on the outcome is not taken.

A check run or suite names its pull requests (those of the same repository); a commit
status names only branches, so the factory's own runs waiting on those branches say which
pull requests they are. Only a finished check or a settled status queues anything.
"""

from __future__ import annotations

from typing import Any

from factory.config import FactoryConfig
from factory.store import Store

CI_EVENTS = frozenset({"check_run", "check_suite", "status"})
MAINTAIN_PULL_TASK = "maintain_pull"
"""The maintenance pass's job (issue 21 contract); its worker task is CORE's."""


def ci_pull_requests(
    config: FactoryConfig, store: Store, event: str, payload: dict[str, Any]
) -> tuple[str, list[int]] | None:
    """(configured repository name, pull request numbers) a CI delivery asks to revisit;
    None when it is no CI delivery or names nothing of this factory's."""
    if event not in CI_EVENTS:
        return None
    full_name = str((payload.get("repository") or {}).get("full_name") or "")
    repo = next((name for name, r in config.repos.items() if r.github == full_name), None)
    if repo is None:
        return None
    if event == "status":
        if payload.get("state") == "pending":
            return None
        branches = {
            str(branch.get("name"))
            for branch in payload.get("branches") or []
            if isinstance(branch, dict)
        }
        numbers = _runs_on_branches(store, repo, branches)
    else:
        body = payload.get(event) or {}
        if payload.get("action") != "completed" or not isinstance(body, dict):
            return None
        numbers = sorted(
            {
                pull["number"]
                for pull in body.get("pull_requests") or []
                if isinstance(pull, dict)
                and isinstance(pull.get("number"), int)
                and not isinstance(pull.get("number"), bool)
            }
        )
    return (repo, numbers) if numbers else None


def _runs_on_branches(store: Store, repo: str, branches: set[str]) -> list[int]:
    from factory.run.pr_sync import awaiting_runs

    numbers = []
    for run_id, number in awaiting_runs(store, repo):
        if store.runs.get(run_id).branch in branches:
            numbers.append(number)
    return sorted(set(numbers))


def queue_pull_maintenance(config: FactoryConfig, repo: str, numbers: list[int]) -> list[int]:
    """One `maintain_pull` job per pull request (one waiting job each, however many
    deliveries arrive); the ids of the jobs queued now."""
    from procrastinate.exceptions import AlreadyEnqueued

    from factory.queue.app import open_queue
    from factory.queue.task_names import MAINTENANCE_QUEUE

    queued = []
    with open_queue(config) as app:
        for number in numbers:
            lock = f"maintain:{repo}#{number}"
            try:
                queued.append(
                    app.configure_task(
                        MAINTAIN_PULL_TASK, queue=MAINTENANCE_QUEUE, queueing_lock=lock
                    ).defer(repo=repo, number=number)
                )
            except AlreadyEnqueued:
                continue  # a pass for this pull request is already waiting: it reads all
    return queued
