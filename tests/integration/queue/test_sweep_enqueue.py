"""`factory sweep --enqueue` and `[schedule] sweep` on real PostgreSQL and a real git repository.

The sweep's selection becomes one run job per ticket; sweeping again adds no job (the
queueing lock on each ticket), and the scheduled sweep is a procrastinate periodic task
that queues the same jobs, as a sweep of its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factory.config import load_config
from factory.queue.task_names import SWEEP_TASK
from factory.queue.tasks import run_scheduled_sweep
from factory.queue.worker import worker_app
from tests.integration.queue.backlog_home import TICKETS, factory, make_home
from tests.support.databases import ScratchDatabase

pytestmark = pytest.mark.integration


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return make_home(tmp_path)


def run_jobs(database: ScratchDatabase) -> list[tuple[str, str]]:
    return [
        (str(args["ticket"]), str(args["run_id"]))
        for (args,) in database.query(
            "SELECT args FROM procrastinate_jobs WHERE task_name = 'run_ticket' ORDER BY id"
        )
    ]


def test_sweep_enqueue_queues_one_job_per_ticket_and_never_two(
    home: Path, postgres: ScratchDatabase
) -> None:
    code, out = factory(home, postgres.url, "sweep", "--enqueue", "--json")
    assert code == 0, out
    first = json.loads(out)
    backlog = home / "backlog"
    assert sorted(job["ticket"] for job in first["queued"]) == sorted(
        str(backlog / f"{name}.md") for name in TICKETS
    )
    assert {job["already"] for job in first["queued"]} == {False}

    code, out = factory(home, postgres.url, "sweep", "--enqueue", "--json")
    assert code == 0, out
    again = json.loads(out)
    assert {job["already"] for job in again["queued"]} == {True}
    assert {job["job_id"] for job in again["queued"]} == {j["job_id"] for j in first["queued"]}
    jobs = run_jobs(postgres)
    assert len(jobs) == len(TICKETS)
    assert {run_id for _, run_id in jobs} == {job["run_id"] for job in first["queued"]}


def test_sweep_enqueue_respects_limit_and_refuses_what_does_not_apply_on_workers(
    home: Path, postgres: ScratchDatabase
) -> None:
    code, out = factory(home, postgres.url, "sweep", "--enqueue", "--limit", "1", "--json")
    assert code == 0, out
    result = json.loads(out)
    assert len(result["queued"]) == 1
    assert [item["reason"] for item in result["skips"]] == ["limit"] * 2
    assert result["skips"][0]["detail"] == "--limit 1: the sweep queued 1 already"
    assert len(run_jobs(postgres)) == 1
    code, out = factory(home, postgres.url, "sweep", "--enqueue", "--dry-run")
    assert code == 2 and "--enqueue and --dry-run" in out
    code, out = factory(home, postgres.url, "sweep", "--enqueue", "--concurrency", "2", "--json")
    assert code == 2 and "Traceback" not in out
    assert "each `factory worker --concurrency K` decides" in json.loads(out)["error"]["message"]
    code, out = factory(home, postgres.url, "sweep", "--enqueue", "--budget-usd", "5")
    assert code == 2 and "--budget-usd cannot be enforced" in out  # an unpriced model
    [(sweeps,)] = postgres.query("SELECT count(*) FROM sweeps")
    assert sweeps == 1  # refusals record no sweep


def test_sweep_enqueue_on_sqlite_is_refused_in_one_line(home: Path, tmp_path: Path) -> None:
    sqlite = f"sqlite:///{tmp_path / 'factory.db'}"
    code, out = factory(home, sqlite, "sweep", "--enqueue")
    assert code == 2
    assert "the job queue runs on PostgreSQL" in out and "Traceback" not in out


def test_the_scheduled_sweep_is_a_periodic_task_that_queues_the_sweep(
    home: Path, postgres: ScratchDatabase
) -> None:
    text = (home / "factory.toml").read_text()
    (home / "factory.toml").write_text(text + '\n[schedule]\nsweep = "30 2 * * *"\n')
    config = load_config(home / "factory.toml")
    periodic = worker_app(config).periodic_registry.periodic_tasks
    assert [entry.cron for entry in periodic.values() if entry.task.name == SWEEP_TASK] == [
        "30 2 * * *"
    ]

    done = run_scheduled_sweep(config)
    assert len(done["queued"]) == len(TICKETS)
    [(status, owner)] = postgres.query(
        f"SELECT status, owner FROM sweeps WHERE id = '{done['sweep_id']}'"
    )
    assert (status, owner) == ("running", "workers")  # a sweep record, driven by the workers
    assert len(run_jobs(postgres)) == len(TICKETS)
    assert run_scheduled_sweep(config)["queued"] == done["queued"]  # the same jobs, not new ones
    assert len(run_jobs(postgres)) == len(TICKETS)
