"""`kill -9` of `factory run` anywhere, then `factory resume`: the run completes, nothing twice.

At every point the run row tells the truth: `interrupted` while nobody drives it (never
`running`), the ending once resumed; and the killed process's sandbox is gone after the
resume without anyone running `factory sandbox prune`.

The failpoints stop the process at exact places, including the worst ones: after a node's
side effects (a commit, a push, a pull request) but before its checkpoint was written.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import docker
import pytest

from factory.demo.run_demo import CASSETTE
from tests.e2e.conftest import Workspace

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]

KILL_POINTS = [
    "before:intake",
    "after:intake",
    "after:plan",
    "code:committed",
    "after:code",
    "test:committed",
    "after:test",
    "after:review",
    "after:gate",
    "deliver:pushed",
    "deliver:opened",
    "after:deliver",
]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_run_killed_at_any_point_resumes_to_one_branch_one_commit_per_step_one_pr(
    workspace: Workspace, point: str
) -> None:
    env = {**os.environ, "FACTORY_FAILPOINTS": point}
    killed = workspace.cli(
        "run", str(workspace.ticket), "--replay", str(CASSETTE), "--json", env=env
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (run,) = json.loads(workspace.cli("runs", "list", "--json").stdout)
    # Recorded as running, but its driver is dead: shown as interrupted, never as running.
    assert run["status"] == "interrupted" and run["driver"] is None
    # (Its sandbox is left behind; whether it is still there now is not asserted: on a shared
    # machine any other factory process starting a run reaps it too, as it should.)

    # No manual prune: resume itself removes the dead process's sandbox and says so.
    resumed = workspace.cli("resume", run["id"], "--json")
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    result = json.loads(resumed.stdout)
    assert result["status"] == "pr_open"
    assert result["tests"].startswith("green")
    assert _containers_of(run["id"]) == []
    (after,) = json.loads(workspace.cli("runs", "list", "--json").stdout)
    assert after["status"] == "pr_open" and after["driver"] is None
    assert after["finished_at"] is not None

    branches = workspace.git("branch", "--list", "factory/*").split()
    assert branches == [run["branch"]]
    steps = workspace.git(
        "log", "--format=%(trailers:key=Factory-Step,valueonly)", f"main..{run['branch']}"
    ).split()
    assert sorted(steps) == ["code-1", "test-1"]
    store = workspace.store()
    pulls = store.pull_requests.all(repo="numerals")
    assert len(pulls) == 1 and pulls[0].head_branch == run["branch"]
    verified = workspace.cli("audit", "verify")
    assert verified.returncode == 0, verified.stdout


def _containers_of(run_id: str) -> list[str]:
    client = docker.from_env()
    found = client.api.containers(all=True, filters={"label": f"agent-factory.run={run_id}"})
    return [summary["Id"][:12] for summary in found]


def test_resume_refuses_a_run_that_waits_for_approval(workspace: Workspace, tmp_path: Path) -> None:
    workspace.configure('autonomy = { min = "L2", max = "L2" }\nprotected_paths = ["numerals/**"]')
    waiting = workspace.cli("run", str(workspace.ticket), "--replay", str(CASSETTE), "--json")
    assert waiting.returncode == 3, waiting.stderr
    run_id = json.loads(waiting.stdout)["run_id"]
    (listed,) = json.loads(workspace.cli("runs", "list", "--json").stdout)
    assert listed["status"] == "waiting_approval" and listed["driver"] is None
    with workspace.store() as store:
        before = store.runs.get(run_id).event_count
    again = workspace.cli("resume", run_id)
    assert again.returncode == 2
    assert f"factory approve {run_id}" in again.stderr
    with workspace.store() as store:
        assert store.runs.get(run_id).event_count == before
