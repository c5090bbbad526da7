"""The graph's paths, end to end: real git, the real sandbox and store, scripted model turns."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e import script
from tests.e2e.conftest import Workspace

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]


def _steps_on_branch(ws: Workspace, branch: str) -> list[str]:
    log = ws.git("log", "--format=%(trailers:key=Factory-Step,valueonly)", f"main..{branch}")
    return [line for line in log.splitlines() if line]


def test_demo_ticket_becomes_a_pull_request_with_green_tests(
    workspace: Workspace, tmp_path: Path
) -> None:
    main_before = workspace.git("rev-parse", "main")
    summary = workspace.run(script.write_cassette(tmp_path / "c.jsonl", script.demo_replies()))

    assert summary.status.value == "pr_open"
    report = summary.state.last_test_report
    assert report is not None and report.green
    assert any("test_subtractive" in case.id for case in report.cases)
    assert summary.state.review is not None and summary.state.review.verdict == "approve"
    branch = summary.state.branch
    assert workspace.git("rev-parse", "main") == main_before  # nothing merged at L1
    assert _steps_on_branch(workspace, branch) == ["test-1", "code-1"]
    fixed = workspace.git("show", f"{branch}:numerals/roman.py")
    assert "reversed(numeral.upper())" in fixed
    store = workspace.store()
    pulls = store.pull_requests.all(repo="numerals")
    assert [(p.number, p.head_branch, p.status) for p in pulls] == [(1, branch, "open")]
    assert "## Gate: pull_request at L1" in pulls[0].body


def test_a_failing_first_fix_goes_back_to_the_coder_and_passes_on_the_second(
    workspace: Workspace, tmp_path: Path
) -> None:
    replies = [
        *script.planner(),
        *script.wrong_first_fix(),
        *script.tester(),
        *script.repair_after_feedback(),
        *script.reviewer(),
    ]
    summary = workspace.run(script.write_cassette(tmp_path / "c.jsonl", replies))

    assert summary.status.value == "pr_open"
    first, second = summary.state.test_reports
    assert not first.green and any("subtractive" in t for t in first.newly_failing)
    assert second.green
    assert summary.state.iteration == 2
    assert _steps_on_branch(workspace, summary.state.branch) == ["code-2", "test-1", "code-1"]


def test_requested_changes_go_back_to_the_coder(workspace: Workspace, tmp_path: Path) -> None:
    replies = [
        *script.planner(),
        *script.coder(),
        *script.tester(),
        *script.request_changes(),
        *script.address_review(),
        *script.reviewer(),
    ]
    summary = workspace.run(script.write_cassette(tmp_path / "c.jsonl", replies))

    assert summary.status.value == "pr_open"
    assert summary.state.iteration == 2
    assert summary.state.review is not None and summary.state.review.verdict == "approve"
    changed = workspace.git("show", f"{summary.state.branch}:numerals/roman.py")
    assert "Subtractive pairs (IV, IX, XL, XC, CD, CM) are read as such." in changed


def test_an_exhausted_budget_keeps_the_branch_and_opens_no_pull_request(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.configure(top="[repos.numerals.budget]\nmax_steps = 3\n")
    summary = workspace.run(script.write_cassette(tmp_path / "c.jsonl", script.demo_replies()))

    assert summary.status.value == "budget_exceeded"
    assert summary.exit_code == 4
    assert summary.state.pr_number is None
    store = workspace.store()
    assert store.pull_requests.all(repo="numerals") == []
    clone = next((workspace.root / ".factory" / "clones").glob("*.git"))
    log = workspace_git(
        clone, "log", "--format=%(trailers:key=Factory-Step,valueonly)", summary.state.branch
    )
    assert "partial-1" in log.split()


def workspace_git(repo: Path, *args: str) -> str:
    import subprocess

    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def test_a_needs_human_run_waits_and_approval_merges_it(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.configure('autonomy = { min = "L2", max = "L2" }\nprotected_paths = ["numerals/**"]')
    summary = workspace.run(script.write_cassette(tmp_path / "c.jsonl", script.demo_replies()))
    assert summary.status.value == "waiting_approval"
    assert summary.exit_code == 3
    assert summary.waiting_for is not None and summary.waiting_for["pr_number"] == 1
    shown = workspace.cli("runs", "show", summary.run_id)
    assert "waiting_approval" in shown.stdout
    assert f"factory approve {summary.run_id}" in shown.stdout

    approved = workspace.cli("approve", summary.run_id, "--comment", "looks right", "--by", "ana")
    assert approved.returncode == 0, approved.stderr
    assert "merged" in approved.stdout
    assert "reversed(numeral.upper())" in workspace.git("show", "main:numerals/roman.py")
    store = workspace.store()
    assert store.runs.get(summary.run_id).status == "merged"
    assert [a.decision for a in store.approvals.of_run(summary.run_id)] == ["approve"]


def test_a_rejected_run_closes_its_pull_request_unmerged(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.configure('autonomy = { min = "L2", max = "L2" }\nprotected_paths = ["numerals/**"]')
    main_before = workspace.git("rev-parse", "main")
    summary = workspace.run(script.write_cassette(tmp_path / "c.jsonl", script.demo_replies()))
    rejected = workspace.cli("reject", summary.run_id, "--reason", "not now", "--by", "bo")
    assert rejected.returncode == 3, rejected.stderr
    store = workspace.store()
    assert store.runs.get(summary.run_id).status == "rejected"
    pull = store.pull_requests.get("numerals", 1)
    assert pull is not None and pull.status == "closed"
    assert workspace.git("rev-parse", "main") == main_before


def test_l3_merges_a_change_every_policy_allows(workspace: Workspace, tmp_path: Path) -> None:
    workspace.configure('autonomy = { min = "L3", max = "L3" }')
    summary = workspace.run(script.write_cassette(tmp_path / "c.jsonl", script.demo_replies()))
    assert summary.status.value == "merged", summary.state.decision
    assert "reversed(numeral.upper())" in workspace.git("show", "main:numerals/roman.py")


def test_the_users_dirty_checkout_is_left_exactly_as_it_was(
    workspace: Workspace, tmp_path: Path
) -> None:
    (workspace.repo / "README.md").write_text("local edit, not committed\n")
    (workspace.repo / "scratch.txt").write_text("untracked\n")
    status_before = workspace.git("status", "--porcelain")
    summary = workspace.run(script.write_cassette(tmp_path / "c.jsonl", script.demo_replies()))
    assert summary.status.value == "pr_open"
    assert workspace.git("status", "--porcelain") == status_before
    assert (workspace.repo / "README.md").read_text() == "local edit, not committed\n"
    assert (workspace.repo / "scratch.txt").read_text() == "untracked\n"
