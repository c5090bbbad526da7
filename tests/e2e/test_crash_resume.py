"""`kill -9` of `factory run` anywhere, then `factory resume`: the run completes, nothing twice.

The failpoints stop the process at exact places, including the worst ones: after a node's
side effects (a commit, a push, a pull request) but before its checkpoint was written.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

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

    pruned = workspace.cli("sandbox", "prune", "--json")
    assert pruned.returncode == 0, pruned.stderr

    resumed = workspace.cli("resume", run["id"], "--json")
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    result = json.loads(resumed.stdout)
    assert result["status"] == "pr_open"
    assert result["tests"].startswith("green")

    branches = workspace.git("branch", "--list", "factory/*").split()
    assert branches == [run["branch"]]
    steps = workspace.git(
        "log", "--format=%(trailers:key=Factory-Step,valueonly)", f"main..{run['branch']}"
    ).split()
    assert sorted(steps) == ["code-1", "test-1"]
    store = workspace.store()
    pulls = store.list_pull_requests(repo="numerals")
    assert len(pulls) == 1 and pulls[0].head_branch == run["branch"]
    verified = workspace.cli("audit", "verify")
    assert verified.returncode == 0, verified.stdout


def test_resume_refuses_a_run_that_waits_for_approval(workspace: Workspace, tmp_path: Path) -> None:
    workspace.configure('autonomy = { min = "L2", max = "L2" }\nprotected_paths = ["numerals/**"]')
    waiting = workspace.cli("run", str(workspace.ticket), "--replay", str(CASSETTE), "--json")
    assert waiting.returncode == 3, waiting.stderr
    run_id = json.loads(waiting.stdout)["run_id"]
    again = workspace.cli("resume", run_id)
    assert again.returncode == 2
    assert f"factory approve {run_id}" in again.stderr
