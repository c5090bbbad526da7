"""A run's wall budget (`max_wall_s`) covers its whole life, across resumes, and stops it at a
node boundary with a clear outcome: real git, the real sandbox and store, a replay cassette."""

from __future__ import annotations

import json
import os
import signal
from typing import Any

import docker
import pytest

from factory.demo.run_demo import CASSETTE
from factory.run.checkpoints import open_checkpointer
from tests.e2e.conftest import Workspace

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]


def _containers_of(run_id: str) -> list[str]:
    client = docker.from_env()
    found = client.api.containers(all=True, filters={"label": f"agent-factory.run={run_id}"})
    return [summary["Id"][:12] for summary in found]


def test_a_spent_wall_budget_stops_the_run_at_a_node_boundary(workspace: Workspace) -> None:
    # Setting the run up (clone, worktree, sandbox) alone takes longer than a millisecond.
    workspace.configure(top="[repos.numerals.budget]\nmax_wall_s = 0.001\n")
    done = workspace.cli("run", str(workspace.ticket), "--replay", str(CASSETTE), "--json")

    assert done.returncode == 4, done.stderr + done.stdout
    result = json.loads(done.stdout)
    assert result["status"] == "budget_exceeded"
    assert result["error"] == "wall budget of 0.001 s spent before node intake"
    assert result["model_calls"] == 0 and result["pull_request"] is None
    (run,) = json.loads(workspace.cli("runs", "list", "--json").stdout)
    assert run["status"] == "budget_exceeded" and run["driver"] is None
    with workspace.store() as store:
        assert store.runs.get(run["id"]).outcome == result["error"]
        stopped = [e for e in store.events.read(run["id"]) if e.kind == "run.stopped"]
        assert [json.loads(e.payload)["reason"] for e in stopped] == ["time_limit"]
        assert store.pull_requests.all(repo="numerals") == []
    assert _containers_of(run["id"]) == []


def test_the_wall_budget_counts_the_time_of_earlier_stretches(workspace: Workspace) -> None:
    env = {**os.environ, "FACTORY_FAILPOINTS": "before:review"}
    killed = workspace.cli(
        "run", str(workspace.ticket), "--replay", str(CASSETTE), "--json", env=env
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (run,) = json.loads(workspace.cli("runs", "list", "--json").stdout)
    saved = _checkpointed(workspace, run["id"])
    # Killed before review; the test node's checkpoint may or may not be complete by then
    # (LangGraph finishes it while the next node starts), so the resume starts at one of two.
    assert saved["phase"] in ("code", "test")
    # A budget just below what the first stretch spent is spent before the resumed stretch
    # does anything, however fast its own setup is.
    spent_before = float(saved["wall_s"])
    assert spent_before > 0
    limit = round(spent_before * 0.95, 3)
    workspace.configure(top=f"[repos.numerals.budget]\nmax_wall_s = {limit}\n")

    resumed = workspace.cli("resume", run["id"], "--json")

    assert resumed.returncode == 4, resumed.stderr + resumed.stdout
    result = json.loads(resumed.stdout)
    assert result["status"] == "budget_exceeded"
    assert result["error"] in {
        f"wall budget of {limit:g} s spent before node {node}" for node in ("test", "review")
    }
    assert result["wall_s"] >= spent_before
    assert result["review"] is None and result["pull_request"] is None
    with workspace.store() as store:
        assert store.runs.get(run["id"]).outcome == result["error"]
        assert store.pull_requests.all(repo="numerals") == []
    assert _containers_of(run["id"]) == []


def _checkpointed(workspace: Workspace, run_id: str) -> dict[str, Any]:
    with open_checkpointer(workspace.config()) as checkpointer:
        saved = checkpointer.get_tuple({"configurable": {"thread_id": run_id}})
    assert saved is not None
    return dict(saved.checkpoint["channel_values"])
