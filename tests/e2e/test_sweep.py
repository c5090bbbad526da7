"""`factory sweep` end to end: real git, Docker, SQLite and processes; replayed model turns.

Each ticket of the backlog is a variant of the demo's bug report, answered by the demo's
cassette, so every run is a real run that fixes the bug on its own branch and opens a PR.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import docker
import pytest

from factory.demo.run_demo import CASSETTE, prepare_demo
from factory.store import Store
from factory.store.leases import Lease
from tests.e2e.conftest import Workspace

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]


def sweep_workspace(root: Path, tickets: int, extra_top: str = "") -> Workspace:
    workspace = Workspace(prepare_demo(root))
    backlog = workspace.root / "backlog"
    backlog.mkdir()
    for index in range(1, tickets + 1):
        (backlog / f"bug-{index}.md").write_text(
            f"---\npriority: p{index}\n---\n# Subtractive numerals are wrong, report {index}\n\n"
            "`from_roman('IV')` returns 6; it should return 4.\n"
        )
    replay = workspace.root / "replay"
    replay.mkdir()
    (replay / "default.jsonl").write_text(CASSETTE.read_text())
    workspace.configure('backlog_dir = "backlog"', top=extra_top)
    return workspace


def sweep_args(workspace: Workspace, *extra: str) -> list[str]:
    return ["sweep", "--replay-dir", str(workspace.root / "replay"), "--json", *extra]


def sweep(workspace: Workspace, *extra: str) -> dict:
    done = workspace.cli(*sweep_args(workspace, *extra))
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    return json.loads(done.stdout)


def popen_sweep(workspace: Workspace, *extra: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "factory"),
            "--config",
            str(workspace.config_path),
            *sweep_args(workspace, *extra),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or dict(os.environ),
    )


def long_leases(workspace: Workspace) -> None:
    """Leases that outlast the test: a run the next sweep resumes was let go, not expired."""
    text = workspace.config_path.read_text()
    workspace.config_path.write_text(text.replace("[factory]\n", "[factory]\nlease_ttl_s = 3600\n"))


def leases_held(workspace: Workspace) -> list[str]:
    """Runs whose lease still counts as live (unexpired, owner not known to be dead)."""
    with workspace.store() as store:
        runs = store.runs.latest(limit=1000)
        return [run.id for run in runs if (lease := Lease.of_run(run)) and lease.is_live()]


def runs_by_ticket(workspace: Workspace) -> Counter[str | None]:
    with workspace.store() as store:
        return Counter(run.ticket_id for run in store.runs.latest(limit=1000))


def containers_of(run_ids: list[str]) -> list[str]:
    client = docker.from_env()
    found = []
    for run_id in run_ids:
        labelled = client.containers.list(
            all=True, sparse=True, filters={"label": f"agent-factory.run={run_id}"}
        )
        found += [container.id for container in labelled]
    return found


def all_run_ids(workspace: Workspace) -> list[str]:
    with workspace.store() as store:
        return [run.id for run in store.runs.latest(limit=1000)]


def open_prs(workspace: Workspace) -> list[str]:
    with workspace.store() as store:
        return [pr.head_branch for pr in store.pull_requests.all(repo="numerals")]


def test_a_sweep_opens_one_pr_per_ticket_reports_it_and_a_rerun_starts_nothing(
    tmp_path: Path,
) -> None:
    workspace = sweep_workspace(tmp_path / "demo", tickets=3)
    report = sweep(workspace, "--concurrency", "2")
    assert report["started"] == 3 and report["prs_opened"] == 3
    assert sorted(o["status"] for o in report["pull_requests"]) == ["pr_open"] * 3
    assert report["skipped"] == []
    assert Path(report["files"]["markdown"]).read_text().startswith("# Morning report")
    assert json.loads(Path(report["files"]["json"]).read_text())["prs_opened"] == 3
    assert not containers_of(all_run_ids(workspace))

    again = sweep(workspace)
    assert again["started"] == 0 and again["resumed"] == 0
    assert again["skipped_by_reason"] == {"open_pr": 3}
    assert set(runs_by_ticket(workspace).values()) == {1}
    assert len(open_prs(workspace)) == 3

    listed = json.loads(workspace.cli("sweeps", "list", "--json").stdout)
    assert [entry["status"] for entry in listed] == ["finished", "finished"]
    shown = json.loads(workspace.cli("sweeps", "show", listed[1]["id"], "--json").stdout)
    assert len(shown["runs"]) == 3
    assert shown["report"]["prs_opened"] == 3
    verified = workspace.cli("audit", "verify", "--json")
    assert verified.returncode == 0, verified.stdout
    with workspace.store() as store:
        kinds = [event.kind for event in store.events.read(listed[0]["id"])]
    assert kinds[0] == "sweep.started" and kinds[-1] == "sweep.finished"
    assert kinds.count("sweep.skipped") == 3


def test_two_sweeps_in_two_processes_never_run_a_ticket_twice(tmp_path: Path) -> None:
    workspace = sweep_workspace(tmp_path / "demo", tickets=4)
    first = popen_sweep(workspace, "--concurrency", "2")
    second = popen_sweep(workspace, "--concurrency", "2")
    outputs = [process.communicate(timeout=600) for process in (first, second)]
    for process, (_out, err) in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, err[-3000:]
    reports = [json.loads(out) for out, _ in outputs]
    worked = [o["identity"] for report in reports for o in report["pull_requests"]]
    assert sorted(worked) == sorted(set(worked)) and len(worked) == 4
    assert set(runs_by_ticket(workspace).values()) == {1}
    assert len(open_prs(workspace)) == 4
    assert not containers_of(all_run_ids(workspace))


def test_a_sweep_killed_mid_ticket_is_resumed_by_the_next_sweep_into_exactly_one_pr(
    tmp_path: Path,
) -> None:
    workspace = sweep_workspace(tmp_path / "demo", tickets=1)
    env = {**os.environ, "FACTORY_FAILPOINTS": "after:code"}
    killed = workspace.cli(*sweep_args(workspace), env=env)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    ((ticket, count),) = runs_by_ticket(workspace).items()
    assert count == 1

    report = sweep(workspace)
    assert (report["started"], report["resumed"]) == (0, 1)
    (outcome,) = report["pull_requests"]
    assert outcome["identity"] == ticket and outcome["status"] == "pr_open"
    assert runs_by_ticket(workspace) == Counter({ticket: 1})
    branches = workspace.git("branch", "--list", "factory/*").split()
    assert len(branches) == 1 and open_prs(workspace) == branches
    assert not containers_of(all_run_ids(workspace))


def test_the_sweep_stops_starting_tickets_at_its_budget_and_says_so(tmp_path: Path) -> None:
    # Each run spends 10 x 31,000 = 310,000 tokens of its 400,000 limit. After two runs,
    # 620,000 spent + the next 400,000 limit would pass 1,000,000: the third does not start.
    workspace = sweep_workspace(
        tmp_path / "demo", tickets=3, extra_top="[budgets]\nmax_tokens = 400000\n"
    )
    metered = []
    for line in CASSETTE.read_text().splitlines():
        if line.startswith("{"):
            exchange = json.loads(line)
            exchange["reply"]["usage"] = {"input_tokens": 30000, "output_tokens": 1000}
            line = json.dumps(exchange)
        metered.append(line)
    (workspace.root / "replay" / "default.jsonl").write_text("\n".join(metered) + "\n")
    report = sweep(workspace, "--budget-tokens", "1000000", "--concurrency", "1")
    assert report["started"] == 2
    assert report["cost"]["tokens"] == 620000
    (skipped,) = report["skipped"]
    assert skipped["reason"] == "over_budget"
    assert "1000000-token budget" in skipped["detail"]
    assert skipped["identity"].endswith("report-3")


def test_sigint_mid_sweep_drains_then_a_rerun_finishes_every_ticket_once(tmp_path: Path) -> None:
    workspace = sweep_workspace(tmp_path / "demo", tickets=3)
    long_leases(workspace)
    process = popen_sweep(workspace, "--concurrency", "1")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not _first_node_done(workspace):
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 130, err[-3000:]
    first = json.loads(out)
    assert first["stopped"] and "SIGINT" in first["stopped"]
    assert first["skipped_by_reason"].get("stopped", 0) >= 1
    assert not containers_of(all_run_ids(workspace))
    # The drained run let go of its lease (no waiting for its expiry) and kept its claim.
    assert leases_held(workspace) == []
    with workspace.store() as store:
        stopped = [run for run in store.runs.latest(limit=1000) if run.status == "running"]
        assert len(stopped) == 1 and stopped[0].lease_pid is None  # resumable, let go
    # ... and kept its ticket claim (so the next sweep resumes it rather than starting anew).
    with sqlite3.connect(workspace.root / ".factory" / "factory.db") as db:
        claimed = [row[0] for row in db.execute("SELECT run_id FROM ticket_claims")]
    assert claimed == [stopped[0].id]

    second = sweep(workspace)
    delivered = [o["identity"] for o in first["pull_requests"] + second["pull_requests"]]
    assert len(delivered) == 3 == len(set(delivered))
    assert set(runs_by_ticket(workspace).values()) == {1}
    assert len(open_prs(workspace)) == 3
    # The one running ticket stopped at its next node boundary and the re-run resumed it.
    stopped_first = [o["identity"] for o in first["interrupted"]]
    resumed = [o["identity"] for o in second["pull_requests"] if o["action"] == "resume"]
    assert len(stopped_first) == 1 and resumed == stopped_first


def _node_started(workspace: Workspace, node: str) -> bool:
    if not (workspace.root / ".factory" / "factory.db").exists():
        return False
    with Store(f"sqlite:///{workspace.root / '.factory' / 'factory.db'}") as store:
        for run in store.runs.latest(limit=10):
            for event in store.events.read(run.id):
                if event.kind == "node.started" and json.loads(event.payload)["node"] == node:
                    return True
    return False


def _first_node_done(workspace: Workspace) -> bool:
    if not (workspace.root / ".factory" / "factory.db").exists():
        return False
    with Store(f"sqlite:///{workspace.root / '.factory' / 'factory.db'}") as store:
        for run in store.runs.latest(limit=10):
            if any(event.kind == "node.finished" for event in store.events.read(run.id)):
                return True
    return False


def test_a_second_sigint_stops_at_once_and_the_next_sweep_resumes_everything(
    tmp_path: Path,
) -> None:
    workspace = sweep_workspace(tmp_path / "demo", tickets=2)
    long_leases(workspace)
    process = popen_sweep(workspace, "--concurrency", "2")
    deadline = time.monotonic() + 300
    # In the middle of the test node (the suite runs for seconds): the drain cannot be over.
    while time.monotonic() < deadline and not _node_started(workspace, "test"):
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    # Two signals before Python runs the handler would count as one: the second waits until
    # the sweep has announced the first.
    assert process.stderr is not None
    announced = ""
    while "SIGINT: starting nothing new" not in announced and process.poll() is None:
        announced += process.stderr.readline()
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=120)
    err = announced + err
    assert process.returncode == 130, err[-3000:]
    (cut,) = json.loads(workspace.cli("sweeps", "list", "--json").stdout)
    assert cut["status"] == "interrupted" and cut["report"] == {}  # its process is gone
    # Its leases died with it (owner gone): the next sweep need not wait an hour for expiry.
    assert leases_held(workspace) == []

    # (A container being created at the very moment of the second signal is reaped by the
    # next process, whose runs take the dead owner's leases over.)
    report = sweep(workspace)
    assert report["resumed"] >= 1  # (a ticket still setting up when it died has no run yet)
    assert all(o["status"] == "pr_open" for o in report["pull_requests"])
    assert set(runs_by_ticket(workspace).values()) == {1}
    assert len(open_prs(workspace)) == 2
    assert not containers_of(all_run_ids(workspace))
