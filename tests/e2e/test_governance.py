"""The gates that keep a run from loosening itself, and the kill switch, in whole runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factory.run.runner import resume_run, start_run
from factory.run.setup import RunOptions
from factory.run.state import RunState
from tests.e2e import script
from tests.e2e.conftest import Workspace

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]

REPO_OWN_CONFIG = """\
[repos.numerals]
path = "."
test_command = "python3 -m pytest -q"
autonomy = { min = "L1", max = "L1" }
"""


def test_an_agent_raising_its_own_autonomy_is_gated_by_the_base_branch_config(
    workspace: Workspace, tmp_path: Path
) -> None:
    # The operator would allow L3, the repository's own (base branch) config says L1.
    workspace.configure('autonomy = { min = "L3", max = "L3" }')
    (workspace.repo / "factory.toml").write_text(REPO_OWN_CONFIG)
    workspace.git("add", "factory.toml")
    workspace.git("-c", "user.name=m", "-c", "user.email=m@x", "commit", "-qm", "own config")
    replies = [
        *script.planner(),
        *script.raise_own_autonomy(),
        *script.tester(),
        *script.reviewer(),
    ]

    summary = workspace.run(script.write_cassette(tmp_path / "c.jsonl", replies))

    decision = summary.state.decision
    assert decision is not None
    assert decision.level.value == "L1"  # the branch's own "L3" edit did not count
    assert decision.decision.value == "pull_request" and decision.draft
    governance = [v for v in decision.verdicts if v.policy == "governance"]
    assert governance and governance[0].outcome.value == "needs_human"
    assert any("factory.toml" in reason for reason in governance[0].reasons)
    assert 'max = "L3"' in workspace.git("show", f"{summary.state.branch}:factory.toml")
    pull = workspace.store().pull_requests.get("numerals", 1)
    assert pull is not None and pull.draft


def test_a_halt_stops_a_run_at_the_next_node_and_it_resumes_after_unhalt(
    workspace: Workspace, tmp_path: Path
) -> None:
    cassette = script.write_cassette(tmp_path / "c.jsonl", script.demo_replies())
    config = workspace.config()
    store = workspace.store()

    def halt_after_code(node: str, phase: str, state: RunState | None) -> None:
        if node == "code" and phase == "finished":
            store.halts.add("numerals", "incident in progress", "human:ops")

    halted = start_run(
        config,
        store,
        str(workspace.ticket),
        RunOptions(repo="numerals", replay=cassette),
        halt_after_code,
    )
    assert halted.status.value == "halted"
    assert halted.state.phase == "code"
    assert store.pull_requests.all(repo="numerals") == []
    events = [e.kind for e in store.events.read(halted.run_id)]
    assert "run.halted" in events
    listed = json.loads(workspace.cli("runs", "list", "--json").stdout)
    assert listed[0]["status"] == "halted"
    refused = workspace.cli("resume", halted.run_id)
    assert refused.returncode == 2 and "halted" in refused.stderr

    store.halts.lift("numerals", "human:ops")
    resumed = resume_run(config, store, halted.run_id)
    assert resumed.status.value == "pr_open"
    steps = workspace.git(
        "log", "--format=%(trailers:key=Factory-Step,valueonly)", f"main..{resumed.state.branch}"
    ).split()
    assert sorted(steps) == ["code-1", "test-1"]


def test_a_halted_repository_starts_no_new_run(workspace: Workspace, tmp_path: Path) -> None:
    store = workspace.store()
    store.halts.add("all", "freeze", "human:ops")
    cassette = script.write_cassette(tmp_path / "c.jsonl", script.demo_replies())
    result = workspace.cli("run", str(workspace.ticket), "--replay", str(cassette))
    assert result.returncode == 2
    assert "halted" in result.stderr
    assert store.runs.latest() == []
