"""Every outcome a run records is true of the world: runs of the demo sample whose endings
used to be recorded wrongly (real sandbox, real git, scripted model turns)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from factory.governance.track_record import gather_track_record
from tests.e2e import script
from tests.e2e.conftest import Workspace

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]


def _kinds(workspace: Workspace, run_id: str) -> list[str]:
    store = workspace.store()
    try:
        return [event.kind for event in store.events.read(run_id)]
    finally:
        store.close()


def _clone(workspace: Workspace) -> Path:
    return next((workspace.root / ".factory" / "clones").glob("*.git"))


def _clone_git(workspace: Workspace, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(_clone(workspace)), *args], check=True, capture_output=True, text=True
    ).stdout


def test_provider_replay_in_factory_toml_plays_each_role_its_own_turns(
    workspace: Workspace,
) -> None:
    """The demo's factory.toml says `provider = "replay"`: no --replay flag at all."""
    summary = workspace.run_with()

    assert summary.status.value == "pr_open", summary.state.error
    assert summary.state.model_calls == len(script.demo_replies()) == 10
    store = workspace.store()
    try:
        events = store.events.read(summary.run_id)
    finally:
        store.close()
    calls = [e for e in events if e.kind == "model.call"]
    assert [e.actor for e in calls] == ["planner"] * 2 + ["coder"] * 3 + ["tester"] * 3 + [
        "reviewer"
    ] * 2
    tools = [json.loads(e.payload) for e in events if e.kind == "tool.call"]
    assert [t for t in tools if t.get("is_error")] == []
    # The demo's commands are ones the sandbox image has: every one of them ran.
    commands = [t for t in tools if t["tool"] == "run_command"]
    assert commands and all(t.get("exit_code") == 0 for t in commands), commands


def test_an_empty_change_pushes_nothing_opens_nothing_and_is_not_a_merge(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.configure('autonomy = { min = "L3", max = "L3" }')
    main_before = workspace.git("rev-parse", "main")

    summary = workspace.run(script.write_cassette(tmp_path / "c.jsonl", script.no_change()))

    assert summary.status.value == "no_change", summary.state.decision
    assert summary.exit_code == 5
    assert summary.state.pr_number is None and summary.state.merged_sha is None
    assert "No edit applied" in (summary.state.error or "")
    assert workspace.git("rev-parse", "main") == main_before
    assert summary.state.branch not in workspace.git("branch", "--list")
    kinds = _kinds(workspace, summary.run_id)
    assert "run.no_change" in kinds
    assert not {"gate.decision", "git.push", "pr.opened", "merge.done"} & set(kinds)
    store = workspace.store()
    try:
        assert store.pull_requests.all(repo="numerals") == []
        assert store.runs.get(summary.run_id).status == "no_change"
        record = gather_track_record(store.pull_requests, "numerals", _clone(workspace), "main")
    finally:
        store.close()
    assert record.merges == [] and record.rejections == []

    listed = workspace.cli("runs", "list", "--json")
    assert json.loads(listed.stdout)[0]["status"] == "no_change"


def test_the_testers_tests_never_arrive_as_bytecode_only(
    workspace: Workspace, tmp_path: Path
) -> None:
    replies = [
        *script.planner(),
        *script.coder(),
        *script.tests_left_as_bytecode_only(),
        *script.reviewer(),
    ]
    summary = workspace.run(script.write_cassette(tmp_path / "c.jsonl", replies))

    assert summary.status.value == "pr_open", summary.state.error
    files = _clone_git(workspace, "ls-tree", "-r", "--name-only", summary.state.branch).split()
    assert not [f for f in files if f.endswith(".pyc") or "__pycache__" in f], files
    assert "tests/test_subtractive.py" not in files
    assert summary.state.added_tests is not None
    assert summary.state.added_tests.tests_added == []
    assert "tests.missing" in _kinds(workspace, summary.run_id)


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("nosuchrunner -q", "nosuchrunner: not found"),
        ("false", "exit 1"),
        ("python3 -m pytest -q tests/test_gone.py", "file or directory not found"),
    ],
)
def test_a_test_command_that_cannot_run_stops_the_run_at_once(
    workspace: Workspace, tmp_path: Path, command: str, said: str
) -> None:
    text = workspace.config_path.read_text()
    workspace.config_path.write_text(
        text.replace('test_command = "python3 -m pytest -q"', f'test_command = "{command}"')
    )
    summary = workspace.run(script.write_cassette(tmp_path / "c.jsonl", script.demo_replies()))

    assert summary.status.value == "failed"
    assert summary.exit_code == 1
    assert summary.state.iteration == 1  # no second coder round spent on it
    assert summary.state.model_calls == 8  # planner, coder, tester; the reviewer never asked
    error = summary.state.error or ""
    assert f"the test command `{command}` cannot run" in error
    assert said in error
    assert 'Fix test_command in [repos."numerals"]' in error
    assert "tests.cannot_run" in _kinds(workspace, summary.run_id)
