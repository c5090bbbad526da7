"""Whole runs with the store and the checkpoints on PostgreSQL: a replayed ticket becomes one
pull request, a run killed mid-way resumes from its PostgreSQL checkpoint, an approval resumes
a waiting run, and a finished run keeps only the checkpoint resume reads."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from factory.demo.run_demo import CASSETTE
from tests.e2e.conftest import Workspace
from tests.support.databases import ScratchDatabase, scratch_database

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow, pytest.mark.integration]


@pytest.fixture
def postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScratchDatabase]:
    with scratch_database("postgresql", tmp_path) as database:
        monkeypatch.setenv("FACTORY_DATABASE_URL", database.url)
        yield database


def checkpoint_rows(database: ScratchDatabase, run_id: str) -> int:
    [(count,)] = database.query(f"SELECT count(*) FROM checkpoints WHERE thread_id = '{run_id}'")
    return int(count)


def test_a_replayed_ticket_becomes_one_pull_request_on_postgresql(
    workspace: Workspace, postgres: ScratchDatabase
) -> None:
    summary = workspace.run(CASSETTE)
    assert summary.status.value == "pr_open"
    assert summary.state.last_test_report is not None and summary.state.last_test_report.green
    [(runs, pulls)] = postgres.query(
        "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM pull_requests)"
    )
    assert (runs, pulls) == (1, 1)
    assert not (workspace.config().factory.data_dir / "checkpoints.sqlite").exists()
    assert checkpoint_rows(postgres, summary.run_id) == 1  # finished: only the latest is kept
    verified = workspace.cli("audit", "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"] is True


def test_a_run_killed_after_opening_its_pr_resumes_from_postgresql_to_one_pr(
    workspace: Workspace, postgres: ScratchDatabase
) -> None:
    env = {**os.environ, "FACTORY_FAILPOINTS": "deliver:opened"}
    killed = workspace.cli(
        "run", str(workspace.ticket), "--replay", str(CASSETTE), "--json", env=env
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (run,) = json.loads(workspace.cli("runs", "list", "--json").stdout)
    assert checkpoint_rows(postgres, run["id"]) > 1  # the steps so far, on the server
    assert workspace.cli("sandbox", "prune", "--json").returncode == 0

    resumed = workspace.cli("resume", run["id"], "--json")
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    assert json.loads(resumed.stdout)["status"] == "pr_open"
    assert workspace.git("branch", "--list", "factory/*").split() == [run["branch"]]
    [(pulls,)] = postgres.query("SELECT count(*) FROM pull_requests")
    assert pulls == 1
    assert workspace.cli("audit", "verify").returncode == 0


def test_a_waiting_run_keeps_its_checkpoint_until_approval_merges_it(
    workspace: Workspace, postgres: ScratchDatabase
) -> None:
    workspace.configure('autonomy = { min = "L2", max = "L2" }\nprotected_paths = ["numerals/**"]')
    summary = workspace.run(CASSETTE)
    assert summary.status.value == "waiting_approval"
    assert checkpoint_rows(postgres, summary.run_id) > 1  # not finished: nothing pruned

    approved = workspace.cli("approve", summary.run_id, "--by", "ana")
    assert approved.returncode == 0, approved.stderr
    assert "reversed(numeral.upper())" in workspace.git("show", "main:numerals/roman.py")
    [(status,)] = postgres.query(f"SELECT status FROM runs WHERE id = '{summary.run_id}'")
    assert status == "merged"
    assert checkpoint_rows(postgres, summary.run_id) == 1
