"""One open pull request per ticket on the local forge: a second plain `factory run` of a ticket
whose PR is open is refused, naming the PR and its run; `--force-new` still starts one and
says so. Once #1 is merged and #2 closed, the sweep reads the ticket as delivered."""

from __future__ import annotations

import json
import shutil
import subprocess

from factory.demo.run_demo import CASSETTE
from tests.e2e.conftest import Workspace


def _run(ws: Workspace, *extra: str) -> subprocess.CompletedProcess[str]:
    return ws.cli(
        "run", str(ws.ticket), "--repo", "numerals", "--replay", str(CASSETTE), "--json", *extra
    )


def test_a_second_plain_run_is_refused_while_the_pr_is_open(workspace: Workspace) -> None:
    ws = workspace
    (ws.root / "backlog").mkdir()
    shutil.copy(ws.ticket, ws.root / "backlog" / "subtractive.md")  # the same ticket, for sweeps
    ws.configure('backlog_dir = "backlog"')

    first = _run(ws)
    assert first.returncode == 0, first.stdout + first.stderr
    opened = json.loads(first.stdout)
    assert opened["pull_request"]["number"] == 1

    second = _run(ws)
    assert second.returncode == 2, second.stdout + second.stderr
    message = json.loads(second.stdout)["error"]["message"]
    assert "already has an open pull request from the factory, #1" in message
    assert opened["run_id"] in message and opened["branch"] in message
    assert "`factory pr show 1`" in message and "--force-new" in message
    listed = json.loads(ws.cli("runs", "list", "--json").stdout)
    assert [run["id"] for run in listed] == [opened["run_id"]]  # nothing of a second run

    forced = _run(ws, "--force-new")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    duplicate = json.loads(forced.stdout)
    assert duplicate["pull_request"]["number"] == 2
    assert any("pull request #1 is still open" in note for note in duplicate["notes"])

    assert ws.cli("pr", "merge", "1").returncode == 0
    closed = ws.cli("pr", "close", "2", "--comment", "a duplicate")
    assert closed.returncode == 0, closed.stdout + closed.stderr
    plan = ws.cli("sweep", "--dry-run", "--json")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    (skipped,) = json.loads(plan.stdout)["skipped"]
    assert skipped["reason"] == "delivered", skipped
    assert skipped["detail"] == (
        f"run {opened['run_id']} merged its change; the later run {duplicate['run_id']} is closed"
    )
