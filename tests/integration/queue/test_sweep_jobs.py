"""A sweep on workers, on real PostgreSQL: its record, its budget and deadline checked by each
run job, and its end, written once by whichever job ends last.

Jobs here are taken by procrastinate's own worker, in this process; every ticket is skipped
before a run would start (over budget, past `--max-wall`), so no Docker is needed. Runs that
do start are in tests/e2e/test_workers.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from factory.config import FactoryConfig, load_config
from factory.queue.sweep_end import finish_idle_sweeps, finish_if_done
from factory.queue.sweep_ticket import QueuedSweepTicket
from factory.queue.task_names import RUN_TASK
from factory.queue.tasks import _store_ticket
from factory.queue.worker import worker_app
from factory.run.runner import RunError
from factory.store import Store
from factory.support.utc import utcnow
from factory.sweep.outcome import PickedTicket, TicketOutcome
from factory.sweep.recorded import past_deadline
from tests.integration.queue.backlog_home import TICKETS, factory, make_home
from tests.support.databases import ScratchDatabase
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

BUDGETS = """
[budgets]
max_tokens = 1000
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return make_home(tmp_path, BUDGETS)


def enqueue(home: Path, url: str, *args: str) -> dict[str, Any]:
    code, out = factory(home, url, "sweep", "--enqueue", "--json", *args)
    assert code == 0, out
    return dict(json.loads(out))


def work_off_the_queue(config: FactoryConfig) -> None:
    """procrastinate's worker, in this process, until no run job is left waiting."""
    worker_app(config).run_worker(
        queues=["runs"], wait=False, concurrency=1, install_signal_handlers=False
    )


def shown(home: Path, url: str, sweep_id: str) -> dict[str, Any]:
    code, out = factory(home, url, "sweeps", "show", sweep_id, "--json")
    assert code == 0, out
    return dict(json.loads(out))


def chain(database: ScratchDatabase, sweep_id: str) -> list[str]:
    return [
        kind
        for (kind,) in database.query(
            f"SELECT kind FROM events WHERE run_id = '{sweep_id}' ORDER BY seq"
        )
    ]


def test_jobs_over_the_sweep_budget_skip_their_tickets_and_the_last_one_finishes_the_sweep(
    home: Path, postgres: ScratchDatabase
) -> None:
    queued = enqueue(home, postgres.url, "--budget-tokens", "600")
    sweep_id = queued["sweep_id"]
    assert len(queued["queued"]) == len(TICKETS) and queued["finished"] is False
    jobs = postgres.query(f"SELECT args FROM procrastinate_jobs WHERE task_name = '{RUN_TASK}'")
    assert {args["sweep_id"] for (args,) in jobs} == {sweep_id}
    assert shown(home, postgres.url, sweep_id)["status"] == "running"

    work_off_the_queue(load_config(home / "factory.toml"))

    record = shown(home, postgres.url, sweep_id)
    assert record["status"] == "finished"
    report = record["report"]
    assert report["skipped_by_reason"] == {"over_budget": len(TICKETS)}
    assert all("600-token budget" in item["detail"] for item in report["skipped"])
    assert report["started"] == 0 and report["stopped"] is None
    assert record["params"]["budget_tokens"] == 600
    query = f"SELECT status FROM procrastinate_jobs WHERE task_name = '{RUN_TASK}'"
    # skipped cleanly: the jobs succeeded, none failed or waits for a retry
    assert {status for (status,) in postgres.query(query)} == {"succeeded"}
    assert postgres.query("SELECT count(*) FROM runs WHERE id LIKE 'r-%'") == [(0,)]
    kinds = chain(postgres, sweep_id)
    assert kinds[0] == "sweep.started" and kinds[-1] == "sweep.finished"
    assert kinds.count("sweep.skipped") == len(TICKETS) and kinds.count("sweep.finished") == 1
    markdown = home / "data" / "sweeps" / f"{sweep_id}.md"
    assert "over the sweep budget (3)" in markdown.read_text()
    code, listed = factory(home, postgres.url, "sweeps", "list", "--json")
    assert [item["id"] for item in json.loads(listed)] == [sweep_id]
    assert factory(home, postgres.url, "audit", "verify")[0] == 0


def test_jobs_starting_after_the_sweeps_max_wall_skip_their_tickets_as_stopped(
    home: Path, postgres: ScratchDatabase
) -> None:
    queued = enqueue(home, postgres.url, "--max-wall", "1s")
    deadline = shown(home, postgres.url, queued["sweep_id"])["params"]["workers"]["deadline"]
    assert deadline is not None
    passed = datetime.fromisoformat(deadline)
    wait_until(lambda: past_deadline(passed), "the sweep's deadline", every=0.05)

    work_off_the_queue(load_config(home / "factory.toml"))

    record = shown(home, postgres.url, queued["sweep_id"])
    assert record["status"] == "stopped"  # as the in-process sweep records a --max-wall stop
    report = record["report"]
    assert report["stopped"] == "the sweep's --max-wall passed"
    assert report["skipped_by_reason"] == {"stopped": len(TICKETS)}
    assert postgres.query("SELECT count(*) FROM runs WHERE id LIKE 'r-%'") == [(0,)]


def test_enqueuing_the_sweep_twice_queues_no_second_job_and_says_whose_they_are(
    home: Path, postgres: ScratchDatabase
) -> None:
    first = enqueue(home, postgres.url)
    again = enqueue(home, postgres.url)
    jobs = postgres.query(f"SELECT id, args FROM procrastinate_jobs WHERE task_name = '{RUN_TASK}'")
    assert len(jobs) == len(TICKETS)
    assert {args["sweep_id"] for _id, args in jobs} == {first["sweep_id"]}
    assert {job["already"] for job in again["queued"]} == {True}
    assert [skip["reason"] for skip in again["skips"]] == ["in_progress"] * len(TICKETS)
    assert all(first["sweep_id"] in skip["detail"] for skip in again["skips"])
    # The second sweep has no job of its own: it is finished at once, with its report.
    assert again["finished"] is True
    second = shown(home, postgres.url, again["sweep_id"])
    assert second["status"] == "finished"
    assert second["report"]["skipped_by_reason"] == {"in_progress": len(TICKETS)}
    assert shown(home, postgres.url, first["sweep_id"])["status"] == "running"
    code, text = factory(home, postgres.url, "sweeps", "show", first["sweep_id"])
    assert f"sweep {first['sweep_id']} is running (driven by the workers' run jobs)" in text


def test_a_store_ticket_is_queued_by_reference_once_and_a_worker_reads_it_from_the_store(
    home: Path, postgres: ScratchDatabase
) -> None:
    for name in TICKETS:
        (home / "backlog" / f"{name}.md").unlink()
    ticket = home / "added.md"
    ticket.write_text("---\ntitle: Fix the added one\npriority: high\n---\nFrom the store.\n")
    code, out = factory(home, postgres.url, "ticket", "add", str(ticket))
    assert code == 0, out
    ticket.unlink()  # the store keeps it; a worker needs no file

    first = enqueue(home, postgres.url)
    assert [job["ticket"] for job in first["queued"]] == ["backlog:app:fix-the-added-one"]
    assert first["skips"] == []
    again = enqueue(home, postgres.url)
    assert [job["already"] for job in again["queued"]] == [True]
    jobs = postgres.query(f"SELECT args FROM procrastinate_jobs WHERE task_name = '{RUN_TASK}'")
    assert [args["ticket"] for (args,) in jobs] == ["backlog:app:fix-the-added-one"]

    with Store.open(load_config(home / "factory.toml")) as store:
        found = _store_ticket(store, "backlog:app:fix-the-added-one")
        assert found is not None
        assert (found.title, found.body.strip(), found.repo) == (
            "Fix the added one",
            "From the store.",
            "app",
        )
        assert _store_ticket(store, str(home / "backlog" / "x.md")) is None  # a file: the runner
        with pytest.raises(RunError, match="no longer in the store's backlog"):
            _store_ticket(store, "backlog:app:never-added")


def sweep_of_two(home: Path, postgres: ScratchDatabase) -> tuple[str, list[tuple[int, str]]]:
    """A sweep whose two jobs are running (as a worker would have marked them)."""
    (home / "backlog" / "three.md").unlink()
    queued = enqueue(home, postgres.url)
    jobs = [(job["job_id"], job["run_id"]) for job in queued["queued"]]
    assert len(jobs) == 2
    ids = ", ".join(str(job_id) for job_id, _ in jobs)
    postgres.raw_sql(f"UPDATE procrastinate_jobs SET status = 'doing' WHERE id IN ({ids})")
    return queued["sweep_id"], jobs


def ending(
    config: FactoryConfig, store: Store, sweep_id: str, job: tuple[int, str]
) -> QueuedSweepTicket:
    job_id, run_id = job
    pick = PickedTicket(identity=f"app:{run_id}", repo="app", title=f"ticket of {run_id}")
    return QueuedSweepTicket(config, store, sweep_id, pick, run_id, job_id)


def outcome(ticket: QueuedSweepTicket) -> TicketOutcome:
    return TicketOutcome(
        identity=ticket.pick.identity,
        repo="app",
        title=ticket.pick.title,
        action="start",
        run_id=ticket.run_id,
        status="pr_open",
        pr_number=1,
        tokens=10,
    )


def status_of(store: Store, sweep_id: str) -> str:
    found = store.sweeps.get(sweep_id)
    assert found is not None
    return found.status


def test_the_sweep_finishes_only_when_its_last_running_job_ends(
    home: Path, postgres: ScratchDatabase
) -> None:
    sweep_id, jobs = sweep_of_two(home, postgres)
    config = load_config(home / "factory.toml")
    with Store.open(config) as store:
        first, second = (ending(config, store, sweep_id, job) for job in jobs)
        first.ended(outcome(first))
        assert status_of(store, sweep_id) == "running"  # the other job still runs
        assert finish_idle_sweeps(config) == []  # the periodic check agrees
        second.ended(outcome(second))
        assert status_of(store, sweep_id) == "finished"
        second.ended(outcome(second))  # a retried job recording again changes nothing
    report = shown(home, postgres.url, sweep_id)["report"]
    assert report["prs_opened"] == 2 and report["cost"]["tokens"] == 20
    assert chain(postgres, sweep_id).count("sweep.ticket_finished") == 2


def test_two_jobs_ending_at_once_finish_the_sweep_once(
    home: Path, postgres: ScratchDatabase
) -> None:
    sweep_id, jobs = sweep_of_two(home, postgres)
    config = load_config(home / "factory.toml")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def end(job: tuple[int, str]) -> None:
        try:
            with Store.open(config) as store:
                ticket = ending(config, store, sweep_id, job)
                barrier.wait()
                ticket.ended(outcome(ticket))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=end, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    kinds = chain(postgres, sweep_id)
    assert kinds.count("sweep.finished") == 1 and kinds[-1] == "sweep.finished"
    assert shown(home, postgres.url, sweep_id)["status"] == "finished"


def test_of_two_jobs_checking_at_once_whether_the_sweep_is_done_one_finishes_it(
    home: Path, postgres: ScratchDatabase
) -> None:
    """Both ends recorded, both jobs ask at the same moment: the row lock lets one finish."""
    sweep_id, jobs = sweep_of_two(home, postgres)
    config = load_config(home / "factory.toml")
    with Store.open(config) as store:
        for job in jobs:
            ticket = ending(config, store, sweep_id, job)
            with store.sweeps.transaction(sweep_id) as sweep:
                payload = {"job": job[0], "outcome": outcome(ticket).model_dump(mode="json")}
                sweep.append("sweep.ticket_finished", payload)
    barrier = threading.Barrier(2)
    finished: list[bool] = []

    def check() -> None:
        with Store.open(config) as store:
            barrier.wait()
            finished.append(finish_if_done(config, store, sweep_id))

    threads = [threading.Thread(target=check) for _ in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(finished) == [False, True]
    assert chain(postgres, sweep_id).count("sweep.finished") == 1


def test_a_sweep_whose_jobs_were_cancelled_is_finished_by_the_periodic_check(
    home: Path, postgres: ScratchDatabase
) -> None:
    queued = enqueue(home, postgres.url)
    for job in queued["queued"]:
        code, out = factory(home, postgres.url, "jobs", "cancel", str(job["job_id"]))
        assert code == 0, out
    config = load_config(home / "factory.toml")
    assert finish_idle_sweeps(config) == [queued["sweep_id"]]
    assert finish_idle_sweeps(config) == []
    assert shown(home, postgres.url, queued["sweep_id"])["status"] == "finished"


def test_a_sweep_whose_queueing_process_was_killed_adopts_its_jobs_and_finishes(
    home: Path, postgres: ScratchDatabase
) -> None:
    """`kill -9` after the first job was queued: no `sweep.queued` says which jobs are the
    sweep's, so only the recovery task's grace period lets the sweep end."""
    killed = subprocess.run(
        [
            str(Path(sys.executable).parent / "factory"),
            "--config",
            str(home / "factory.toml"),
            "sweep",
            "--enqueue",
        ],
        env={**os.environ, "FACTORY_FAILPOINTS": "sweep-enqueue:queued"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    [(sweep_id,)] = postgres.query("SELECT id FROM sweeps")
    config = load_config(home / "factory.toml")
    work_off_the_queue(config)  # the one queued job ends; the sweep cannot know it was the last
    with Store.open(config) as store:
        assert status_of(store, sweep_id) == "running"
        assert finish_if_done(config, store, sweep_id, abandoned_after_s=3600) is False
        assert finish_if_done(config, store, sweep_id, abandoned_after_s=0) is True
        assert status_of(store, sweep_id) == "finished"
    kinds = chain(postgres, sweep_id)
    assert kinds.count("sweep.queued") == 1 and kinds[-1] == "sweep.finished"
    verified = factory(home, postgres.url, "audit", "verify")
    assert verified[0] == 0, verified[1]


def test_a_job_whose_run_ended_elsewhere_skips_it_and_a_retried_one_records_its_outcome(
    home: Path, postgres: ScratchDatabase
) -> None:
    (home / "backlog" / "three.md").unlink()
    queued = enqueue(home, postgres.url)
    sweep_id = queued["sweep_id"]
    (elsewhere, retried) = (job["run_id"] for job in queued["queued"])
    config = load_config(home / "factory.toml")
    with Store.open(config) as store:
        for run_id, status in ((elsewhere, "pr_open"), (retried, "merged")):
            store.runs.create("t.md", "app", run_id=run_id)
            store.runs.update(run_id, status=status, finished_at=utcnow())
        with store.sweeps.transaction(sweep_id) as sweep:  # a first attempt began this one
            sweep.append("sweep.ticket_started", {"run_id": retried, "job": 0, "reserved": {}})

    work_off_the_queue(config)

    record = shown(home, postgres.url, sweep_id)
    assert record["status"] == "finished"
    report = record["report"]
    (skipped,) = report["skipped"]
    assert skipped["reason"] == "delivered" and elsewhere in skipped["detail"]
    assert [outcome["run_id"] for outcome in report["merged"]] == [retried]
