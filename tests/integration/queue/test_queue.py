"""The job queue on real PostgreSQL: one job per ticket, listing, cancelling, clear refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factory.cli import app
from tests.support.databases import ScratchDatabase, scratch_database

pytestmark = pytest.mark.integration

CONFIG = """
[factory]
data_dir = "data"

[models.default]
provider = "replay"
model = "demo-script"
cassette = "cassette.jsonl"

[repos.app]
path = "app"
test_command = "true"
"""


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[ScratchDatabase]:
    with scratch_database("postgresql", tmp_path) as database:
        yield database


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "app" / ".git").mkdir(parents=True)
    (tmp_path / "cassette.jsonl").write_text("")
    (tmp_path / "factory.toml").write_text(CONFIG)
    for name in ("one", "two"):
        (tmp_path / f"{name}.md").write_text(f"---\ntitle: Fix {name}\n---\nIt is broken.\n")
    return tmp_path


def factory(home: Path, url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["--config", str(home / "factory.toml"), *args],
        env={"FACTORY_DATABASE_URL": url, "FACTORY_CONFIG": ""},
    )
    return result.exit_code, result.output


def test_enqueuing_the_same_ticket_twice_gives_one_job(
    home: Path, postgres: ScratchDatabase
) -> None:
    code, first = factory(home, postgres.url, "run", "--enqueue", "--json", str(home / "one.md"))
    assert code == 0, first
    queued = json.loads(first)
    assert queued["already"] is False and queued["run_id"].startswith("r-")
    # Spelled another way (relative path), and again: the same job.
    code, again = factory(home, postgres.url, "run", "--enqueue", "--json", str(home / "one.md"))
    assert json.loads(again) | {"already": False} == queued
    assert json.loads(again)["already"] is True
    code, other = factory(home, postgres.url, "run", "--enqueue", "--json", str(home / "two.md"))
    assert json.loads(other)["job_id"] != queued["job_id"]

    code, listed = factory(home, postgres.url, "jobs", "list", "--queue", "runs", "--json")
    jobs = json.loads(listed)
    assert sorted(job["ticket"] for job in jobs) == sorted(
        str(home / f"{name}.md") for name in ("one", "two")
    )
    assert {job["status"] for job in jobs} == {"todo"}
    [(count,)] = postgres.query(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'run_ticket'"
    )
    assert count == 2


def test_a_job_already_running_for_the_ticket_is_returned_not_doubled(
    home: Path, postgres: ScratchDatabase
) -> None:
    _code, first = factory(home, postgres.url, "run", "--enqueue", "--json", str(home / "one.md"))
    job_id = json.loads(first)["job_id"]
    postgres.raw_sql(f"UPDATE procrastinate_jobs SET status = 'doing' WHERE id = {job_id}")
    _code, again = factory(home, postgres.url, "run", "--enqueue", "--json", str(home / "one.md"))
    assert (json.loads(again)["job_id"], json.loads(again)["status"]) == (job_id, "doing")


def test_a_waiting_job_can_be_cancelled_and_shown(home: Path, postgres: ScratchDatabase) -> None:
    _code, first = factory(home, postgres.url, "run", "--enqueue", "--json", str(home / "one.md"))
    job_id = json.loads(first)["job_id"]
    code, cancelled = factory(home, postgres.url, "jobs", "cancel", str(job_id), "--json")
    assert code == 0, cancelled
    assert json.loads(cancelled)["status"] == "cancelled"
    code, shown = factory(home, postgres.url, "jobs", "show", str(job_id))
    assert f"job {job_id}: cancelled" in shown
    code, again = factory(home, postgres.url, "jobs", "cancel", str(job_id))
    assert code == 2 and "only waiting or running jobs can be cancelled" in again
    code, missing = factory(home, postgres.url, "jobs", "show", "99999")
    assert code == 2 and "no job 99999" in missing


def test_a_bad_ticket_is_refused_before_anything_is_queued(
    home: Path, postgres: ScratchDatabase
) -> None:
    code, output = factory(home, postgres.url, "run", "--enqueue", str(home / "nope.md"))
    assert code == 2 and "not found" in output
    code, output = factory(home, postgres.url, "run", "--enqueue", "-")
    assert code == 2 and "stdin" in output


def test_the_queue_on_a_sqlite_store_says_it_needs_postgresql(home: Path) -> None:
    url = f"sqlite:///{home / 'data' / 'factory.db'}"
    for args in (["jobs", "list"], ["worker"], ["run", "--enqueue", str(home / "one.md")]):
        code, output = factory(home, url, *args)
        assert code == 1, output
        assert "the job queue runs on PostgreSQL" in output and "Traceback" not in output
