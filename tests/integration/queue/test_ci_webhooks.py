"""GitHub's CI deliveries against the real webhook server and PostgreSQL: a finished check
run or suite queues one maintenance pass per pull request of its head; a running one, or a
repository the factory does not know, queues nothing."""

from __future__ import annotations

from typing import Any

import pytest

from factory.config import FactoryConfig
from factory.queue.jobs import list_jobs
from factory.queue.task_names import MAINTAIN_TASK
from tests.integration.queue.test_github_webhooks import config, deliver, server

pytestmark = pytest.mark.integration
__all__ = ["config", "server"]  # fixtures shared with the webhook tests


def check_run(action: str, numbers: list[int], repo: str = "acme/app") -> dict[str, Any]:
    return {
        "action": action,
        "check_run": {
            "id": 1,
            "name": "test",
            "head_sha": "a" * 40,
            "status": "completed" if action == "completed" else "in_progress",
            "conclusion": "failure" if action == "completed" else None,
            "pull_requests": [{"number": n, "head": {"sha": "a" * 40}} for n in numbers],
        },
        "repository": {"full_name": repo},
    }


def maintenance_jobs(config: FactoryConfig) -> list[dict[str, Any]]:
    return [job.args for job in list_jobs(config, queue="maintenance") if job.task == MAINTAIN_TASK]


def test_a_finished_check_run_queues_one_pass_per_pull_request(
    server: str, config: FactoryConfig
) -> None:
    answer = deliver(server, "check_run", check_run("completed", [5, 6]))
    assert answer.status_code == 202, answer.text
    assert answer.json()["pull_requests"] == [5, 6]
    again = deliver(
        server,
        "check_suite",
        {
            **check_run("completed", [5]),
            "check_suite": {"head_sha": "a" * 40, "pull_requests": [{"number": 5}]},
        },
    )
    assert again.status_code == 202, again.text
    jobs = maintenance_jobs(config)
    assert sorted(job["number"] for job in jobs) == [5, 6]  # #5 already had one waiting


def test_a_running_check_or_an_unknown_repository_queues_nothing(
    server: str, config: FactoryConfig
) -> None:
    assert deliver(server, "check_run", check_run("created", [5])).status_code == 200
    other = deliver(server, "check_run", check_run("completed", [5], repo="someone/else"))
    assert other.status_code == 200
    pending = {
        "sha": "a" * 40,
        "state": "pending",
        "branches": [],
        "repository": {"full_name": "acme/app"},
    }
    assert deliver(server, "status", pending).status_code == 200
    assert maintenance_jobs(config) == []
