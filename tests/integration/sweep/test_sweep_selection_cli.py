"""`factory sweep --dry-run`, `ticket add|list`: real git repositories and a real SQLite store.

Every skip reason is produced by the state of the world (runs, leases, PRs, halts in the
store; files in `backlog_dir`), and the dry run names each one and starts nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.config import load_config
from factory.demo.run_demo import prepare_demo
from factory.store import LeaseOwner, RunStatus, Store

pytestmark = pytest.mark.integration

TITLES = [
    "Halted repo ticket",
    "Ticket in progress",
    "Ticket with an open PR",
    "Ticket waiting for approval",
    "Ticket that keeps failing",
    "Ticket planned at L0",
    "First fresh ticket",
    "Second fresh ticket",
    "Third fresh ticket",
]


def ticket_text(title: str, priority: str = "normal") -> str:
    return f"---\npriority: {priority}\n---\n# {title}\n\nSomething to change.\n"


@pytest.fixture
def world(tmp_path: Path) -> Path:
    root = prepare_demo(tmp_path / "demo")
    shutil.copytree(root / "numerals", root / "frozen")
    backlog = root / "backlog"
    frozen_backlog = root / "frozen-backlog"
    backlog.mkdir()
    frozen_backlog.mkdir()
    (frozen_backlog / "halted.md").write_text(ticket_text(TITLES[0]))
    for index, title in enumerate(TITLES[1:]):
        (backlog / f"t{index}.md").write_text(ticket_text(title))
    (backlog / "broken.md").write_text("---\npriority: [unclosed\n---\n# Broken\n")
    config = root / "factory.toml"
    text = config.read_text().replace(
        'test_command = "python3 -m pytest -q"\n',
        'test_command = "python3 -m pytest -q"\nbacklog_dir = "backlog"\n',
    )
    text += (
        '\n[repos.frozen]\npath = "frozen"\ntest_command = "python3 -m pytest -q"\n'
        'backlog_dir = "frozen-backlog"\n\n[budgets]\nmax_tokens = 1000\n'
    )
    config.write_text(text)
    return root


def invoke(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["--config", str(root / "factory.toml"), *args], env={"FACTORY_CONFIG": ""}
    )
    return result.exit_code, result.stdout


def record_history(root: Path) -> None:
    """Runs, a lease, a PR and a halt, as earlier nights and other processes left them."""
    config = load_config(root / "factory.toml")
    with Store.open(config) as store:
        store.halts.add("frozen", "release freeze", "ops")
        live = store.runs.create(
            "t0.md", "numerals", status=RunStatus.RUNNING, ticket_key="numerals:ticket-in-progress"
        )
        store.leases.acquire(live.id, LeaseOwner.this_process(), 600)
        store.pull_requests.create(
            repo="numerals",
            title="Ticket with an open PR",
            head_branch="factory/t1-ticket-with-an-open-pr",
            base_branch="main",
        )
        store.runs.create(
            "t2.md",
            "numerals",
            status=RunStatus.WAITING_APPROVAL,
            ticket_key="numerals:ticket-waiting-for-approval",
        )
        for _ in range(3):
            failed = store.runs.create(
                "t3.md", "numerals", ticket_key="numerals:ticket-that-keeps-failing"
            )
            store.runs.update(failed.id, status=RunStatus.FAILED)
        store.runs.create(
            "t4.md",
            "numerals",
            status=RunStatus.DONE,
            autonomy_level="L0",
            ticket_key="numerals:ticket-planned-at-l0",
        )


def test_a_dry_run_names_every_skip_reason_and_starts_nothing(world: Path) -> None:
    record_history(world)
    code, out = invoke(world, "sweep", "--dry-run", "--budget-tokens", "2500", "--json")
    assert code == 0, out
    plan = json.loads(out)
    reasons = {skip["identity"]: skip["reason"] for skip in plan["skipped"]}
    assert reasons == {
        "frozen:halted-repo-ticket": "halted",
        "numerals:ticket-in-progress": "in_progress",
        "numerals:ticket-with-an-open-pr": "open_pr",
        "numerals:ticket-waiting-for-approval": "waiting_for_human",
        "numerals:ticket-that-keeps-failing": "backoff",
        "numerals:ticket-planned-at-l0": "plan_commented",
        "numerals:third-fresh-ticket": "over_budget",
        str(world / "backlog" / "broken.md"): "unreadable",
    }
    assert [entry["ticket"] for entry in plan["planned"]] == [
        "numerals:first-fresh-ticket",
        "numerals:second-fresh-ticket",
    ]
    limited = json.loads(invoke(world, "sweep", "--dry-run", "--limit", "1", "--json")[1])
    assert [entry["ticket"] for entry in limited["planned"]] == ["numerals:first-fresh-ticket"]
    assert {s["identity"]: s["reason"] for s in limited["skipped"]}[
        "numerals:second-fresh-ticket"
    ] == "limit"
    config = load_config(world / "factory.toml")
    with Store.open(config) as store:
        assert store.sweeps.latest() == []
        assert len(store.runs.latest()) == 6  # only the history recorded above


def test_a_dry_run_reads_as_a_plan_not_a_morning_report_of_zeros(world: Path) -> None:
    record_history(world)
    code, out = invoke(world, "sweep", "--dry-run", "--budget-tokens", "2500")
    assert code == 0, out
    assert out.startswith("# Sweep plan (dry run)\n\n10 tickets considered: 2 would be started")
    assert "Nothing was started." in out
    assert "| merged |" not in out and "| cost |" not in out and "wall time" not in out
    assert "## Would work on\n\n- start **numerals:first-fresh-ticket**" in out


def test_a_usd_budget_with_an_unpriced_model_is_refused_before_anything_starts(
    world: Path,
) -> None:
    config = world / "factory.toml"
    config.write_text(
        config.read_text().replace('model = "demo-script"', 'model = "my-local-llama"')
    )
    code, out = invoke(world, "sweep", "--budget-usd", "5", "--json")
    assert code == 2
    assert "--budget-tokens" in json.loads(out)["error"]["message"]
    assert "my-local-llama" in json.loads(out)["error"]["message"]


def test_unknown_repository_and_bad_duration_are_one_line_errors(world: Path) -> None:
    code, out = invoke(world, "sweep", "--repo", "nope", "--dry-run", "--json")
    assert code == 2 and "unknown repository 'nope'" in json.loads(out)["error"]["message"]
    code, out = invoke(world, "sweep", "--max-wall", "soon", "--json")
    assert code == 2 and "12h" in json.loads(out)["error"]["message"]


def test_a_ticket_added_to_the_store_is_the_same_ticket_as_its_backlog_file(
    world: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "renamed-copy.md"
    copy.write_text(ticket_text("First fresh ticket", priority="p0"))
    code, out = invoke(world, "ticket", "add", str(copy), "--repo", "numerals", "--json")
    assert code == 0, out
    assert json.loads(out)["identity"] == "numerals:first-fresh-ticket"
    extra = tmp_path / "extra.md"
    extra.write_text(ticket_text("Only in the store") + "")
    assert invoke(world, "ticket", "add", str(extra), "--repo", "numerals")[0] == 0
    listed = json.loads(invoke(world, "ticket", "list", "--json")[1])
    assert [t["identity"] for t in listed] == [
        "numerals:first-fresh-ticket",
        "numerals:only-in-the-store",
    ]
    plan = json.loads(invoke(world, "sweep", "--dry-run", "--repo", "numerals", "--json")[1])
    planned = [entry["ticket"] for entry in plan["planned"]]
    assert planned.count("numerals:first-fresh-ticket") == 1
    assert "numerals:only-in-the-store" in planned


def test_ticket_add_without_a_repository_to_choose_says_how_to_name_one(
    world: Path, tmp_path: Path
) -> None:
    loose = tmp_path / "loose.md"
    loose.write_text(ticket_text("Which repo"))
    code, _ = invoke(world, "ticket", "add", str(loose))
    assert code == 2
