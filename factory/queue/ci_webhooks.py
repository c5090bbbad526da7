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


def queue_ci_maintenance(config: FactoryConfig, repo: str, numbers: list[int]) -> dict[str, Any]:
    """One maintenance job per pull request (`queue/pull_jobs.py`: one waiting job each,
    however many deliveries arrive)."""
    from factory.queue.pull_jobs import queue_pull_maintenance

    jobs = [{"pull_request": n, **queue_pull_maintenance(config, repo, n)} for n in numbers]
    return {
        "job_id": ", ".join(str(job["job_id"]) for job in jobs),
        "pull_requests": numbers,
        "jobs": jobs,
    }
