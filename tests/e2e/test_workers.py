"""Workers on procrastinate, end to end on real PostgreSQL, git, Docker and replayed models.

Two `factory worker` processes share a queue of replayed tickets; one is killed with SIGKILL
in the middle of a run (right after it opened a pull request, the worst place) while the other
keeps working. The stalled job is found and retried, the run resumes from its checkpoint on the
other worker under the run lease, and every ticket ends with exactly one branch, one pull
request, an intact audit chain and no sandbox.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.e2e.conftest import Workspace
from tests.support.databases import ScratchDatabase, scratch_database

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow, pytest.mark.integration]

TICKETS = 20
QUEUE_SETTINGS = "[queue]\nstalled_after_seconds = 4\nrecover_every_seconds = 1\n"
LEASE_TTL = "[factory]\nlease_ttl_s = 4\n"  # config check: stalled_after_seconds >= lease_ttl_s


def configure_queue(workspace: Workspace) -> None:
    workspace.configure(top=QUEUE_SETTINGS)
    text = workspace.config_path.read_text()
    workspace.config_path.write_text(text.replace("[factory]\n", LEASE_TTL, 1))


@pytest.fixture
def postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScratchDatabase]:
    with scratch_database("postgresql", tmp_path) as database:
        monkeypatch.setenv("FACTORY_DATABASE_URL", database.url)
        yield database


def write_tickets(workspace: Workspace, count: int) -> list[Path]:
    text = workspace.ticket.read_text()
    folder = workspace.root / "tickets"
    folder.mkdir()
    tickets = []
    for index in range(count):
        path = folder / f"roman-{index + 1}.md"
        path.write_text(text.replace("title: ", f"title: (copy {index + 1}) ", 1))
        tickets.append(path)
    return tickets


def start_worker(workspace: Workspace, log: Path, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "factory"),
            "--config",
            str(workspace.config_path),
            "worker",
            "--concurrency",
            "1",
        ],
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def wait_until_all_done(workspace: Workspace, count: int, timeout: float) -> list[Any]:
    deadline = time.monotonic() + timeout
    while True:
        listed = workspace.cli("jobs", "list", "--queue", "runs", "--json")
        assert listed.returncode == 0, listed.stderr
        jobs = json.loads(listed.stdout)
        if len(jobs) == count and all(job["status"] == "succeeded" for job in jobs):
            return list(jobs)
        assert time.monotonic() < deadline, f"jobs not done in time: {jobs}"
        time.sleep(2)


def test_a_worker_killed_mid_run_loses_nothing_and_doubles_nothing(
    workspace: Workspace, postgres: ScratchDatabase, tmp_path: Path
) -> None:
    configure_queue(workspace)
    tickets = write_tickets(workspace, TICKETS)
    for ticket in tickets:
        queued = workspace.cli("run", "--enqueue", "--json", str(ticket))
        assert queued.returncode == 0, queued.stderr
    again = workspace.cli("run", "--enqueue", "--json", str(tickets[0]))
    assert json.loads(again.stdout)["already"] is True  # the same ticket twice: one job

    survivor = start_worker(workspace, tmp_path / "survivor.log")
    doomed = start_worker(workspace, tmp_path / "doomed.log", FACTORY_FAILPOINTS="deliver:opened")
    try:
        assert doomed.wait(timeout=600) == -signal.SIGKILL  # died right after opening a PR
        jobs = wait_until_all_done(workspace, TICKETS, timeout=2400)
    finally:
        survivor.send_signal(signal.SIGTERM)
        survivor.wait(timeout=120)

    assert max(job["attempts"] for job in jobs) == 2  # the killed one, retried once
    runs = json.loads(workspace.cli("runs", "list", "--json").stdout)
    assert len(runs) == TICKETS and {run["status"] for run in runs} == {"pr_open"}
    assert {run["id"] for run in runs} == {job["run_id"] for job in jobs}
    branches = workspace.git("branch", "--list", "factory/*").split()
    assert sorted(branches) == sorted(run["branch"] for run in runs)
    [(pulls, heads)] = postgres.query(
        "SELECT count(*), count(DISTINCT head_branch) FROM pull_requests"
    )
    assert (pulls, heads) == (TICKETS, TICKETS)
    for run in runs:
        steps = workspace.git(
            "log", "--format=%(trailers:key=Factory-Step,valueonly)", f"main..{run['branch']}"
        ).split()
        assert sorted(steps) == ["code-1", "test-1"]  # no step committed twice
    verified = workspace.cli("audit", "verify")
    assert verified.returncode == 0, verified.stdout
    ours = {run["id"] for run in runs}
    assert sandboxes_of(ours) == []


def sandboxes_of(run_ids: set[str]) -> list[str]:
    """Containers still there for these runs (only ours: other suites run beside this one).

    Listed sparse: a full listing inspects each container, and another suite's container
    removed between the list and the inspect would fail this test with a 404."""
    client = docker.from_env()
    containers = client.containers.list(
        all=True, sparse=True, filters={"label": "agent-factory.run"}
    )
    return [
        c.attrs["Names"][0].lstrip("/")
        for c in containers
        if (c.attrs.get("Labels") or {}).get("agent-factory.run") in run_ids
    ]


def wait_for_event(database: ScratchDatabase, kind: str, node: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not database.query(
        f"SELECT 1 FROM events WHERE kind = '{kind}' AND payload LIKE '%\"node\":\"{node}\"%'"
    ):
        assert time.monotonic() < deadline, f"no {kind} of {node} in time"
        time.sleep(0.1)


def test_sigterm_finishes_the_current_node_and_puts_the_run_back_on_the_queue(
    workspace: Workspace, postgres: ScratchDatabase, tmp_path: Path
) -> None:
    configure_queue(workspace)
    workspace.store().close()  # the schema, for the polling below
    queued = json.loads(workspace.cli("run", "--enqueue", "--json", str(workspace.ticket)).stdout)
    first = start_worker(workspace, tmp_path / "first.log")
    wait_for_event(postgres, "node.started", "code", timeout=300)
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=300) == 0, (tmp_path / "first.log").read_text()[-3000:]

    events = [
        (kind, json.loads(payload).get("node"))
        for kind, payload in postgres.query(
            f"SELECT kind, payload FROM events WHERE run_id = '{queued['run_id']}' ORDER BY seq"
        )
    ]
    assert ("node.finished", "code") in events  # the node it was in ran to its end
    [(status, outcome)] = postgres.query(
        f"SELECT status, outcome FROM runs WHERE id = '{queued['run_id']}'"
    )
    assert status == "queued" and "back to the queue" in outcome
    job = json.loads(workspace.cli("jobs", "show", str(queued["job_id"]), "--json").stdout)
    assert job["status"] == "todo"

    second = start_worker(workspace, tmp_path / "second.log")
    try:
        (done,) = wait_until_all_done(workspace, 1, timeout=600)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=120)
    assert done["attempts"] == 2
    [(status,)] = postgres.query(f"SELECT status FROM runs WHERE id = '{queued['run_id']}'")
    assert status == "pr_open"
    [(pulls,)] = postgres.query("SELECT count(*) FROM pull_requests")
    assert pulls == 1
    assert workspace.cli("audit", "verify").returncode == 0
    assert sandboxes_of({queued["run_id"]}) == []
