"""`factory sweep --enqueue` end to end: real PostgreSQL, git, Docker, `factory worker` processes
and replayed model turns.

The sweep is recorded when it is queued; the worker's jobs check its budget and its
`--max-wall` before each ticket starts, stop a running ticket at a checkpoint when the deadline
passes, and the job that ends last writes the morning report, as `factory sweep` does in one
process. Tickets added with `factory ticket add` are read by the worker from the store.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from factory.demo.run_demo import CASSETTE
from factory.sweep.recorded import past_deadline, read_params
from tests.e2e.conftest import Workspace
from tests.e2e.test_workers import configure_queue, sandboxes_of, start_worker
from tests.support.databases import ScratchDatabase, scratch_database

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow, pytest.mark.integration]

FREEZE = "after:plan=stop"


@pytest.fixture
def postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScratchDatabase]:
    with scratch_database("postgresql", tmp_path) as database:
        monkeypatch.setenv("FACTORY_DATABASE_URL", database.url)
        yield database


def replay_dir(workspace: Workspace, tokens_per_call: int | None = None) -> Path:
    """The demo's cassette for every ticket, each call metered at `tokens_per_call`."""
    folder = workspace.root / "replay"
    folder.mkdir()
    lines = []
    for line in CASSETTE.read_text().splitlines():
        if line.startswith("{") and tokens_per_call is not None:
            exchange = json.loads(line)
            usage = {"input_tokens": tokens_per_call - 1000, "output_tokens": 1000}
            exchange["reply"]["usage"] = usage
            line = json.dumps(exchange)
        lines.append(line)
    (folder / "default.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def add_tickets(workspace: Workspace, count: int) -> list[str]:
    """Tickets in the store's backlog (`factory ticket add`), in priority order; no file stays."""
    identities = []
    for index in range(1, count + 1):
        path = workspace.root / f"bug-{index}.md"
        path.write_text(
            f"---\npriority: p{index}\n---\n# Subtractive numerals are wrong, report {index}\n\n"
            "`from_roman('IV')` returns 6; it should return 4.\n"
        )
        added = workspace.cli("ticket", "add", str(path), "--repo", "numerals", "--json")
        assert added.returncode == 0, added.stderr
        identities.append(json.loads(added.stdout)["identity"])
        path.unlink()
    return identities


def enqueue(workspace: Workspace, replay: Path, *extra: str) -> dict[str, Any]:
    done = workspace.cli("sweep", "--enqueue", "--replay-dir", str(replay), "--json", *extra)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    return dict(json.loads(done.stdout))


def sweep_record(workspace: Workspace, sweep_id: str) -> dict[str, Any]:
    shown = workspace.cli("sweeps", "show", sweep_id, "--json")
    assert shown.returncode == 0, shown.stderr
    return dict(json.loads(shown.stdout))


def wait_for_the_end(workspace: Workspace, sweep_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        record = sweep_record(workspace, sweep_id)
        if record["status"] != "running":
            return record
        assert time.monotonic() < deadline, f"sweep {sweep_id} still running: {record['runs']}"
        time.sleep(2)


def wait_for_a_worker(database: ScratchDatabase, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not database.query(
        "SELECT 1 FROM pg_tables WHERE tablename = 'procrastinate_workers'"
    ) or not database.query("SELECT 1 FROM procrastinate_workers"):
        assert time.monotonic() < deadline, "no worker came up"
        time.sleep(0.2)


def stop(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=300)


def test_a_sweep_on_workers_starts_what_its_budget_allows_and_reports_the_rest_skipped(
    workspace: Workspace, postgres: ScratchDatabase, tmp_path: Path
) -> None:
    # Each run spends 10 x 31,000 = 310,000 tokens of its 400,000 limit. After two runs,
    # 620,000 spent + the next 400,000 limit would pass 1,000,000: the third does not start.
    configure_queue(workspace)
    text = workspace.config_path.read_text()
    workspace.config_path.write_text(text + "\n[budgets]\nmax_tokens = 400000\n")
    replay = replay_dir(workspace, tokens_per_call=31000)
    tickets = add_tickets(workspace, 3)
    queued = enqueue(workspace, replay, "--budget-tokens", "1000000")
    sweep_id = queued["sweep_id"]
    assert sorted(job["ticket"] for job in queued["queued"]) == sorted(
        f"backlog:{identity}" for identity in tickets
    )

    worker = start_worker(workspace, tmp_path / "worker.log")
    try:
        record = wait_for_the_end(workspace, sweep_id, timeout=1200)
    finally:
        stop(worker)

    assert record["status"] == "finished", (tmp_path / "worker.log").read_text()[-3000:]
    report = record["report"]
    assert (report["started"], report["prs_opened"]) == (2, 2)
    assert report["cost"]["tokens"] == 620000
    (skipped,) = report["skipped"]
    assert (skipped["identity"], skipped["reason"]) == (tickets[2], "over_budget")
    assert "1000000-token budget" in skipped["detail"]
    assert sorted(o["identity"] for o in report["pull_requests"]) == sorted(tickets[:2])
    runs = record["runs"]
    assert sorted(run["ticket"] for run in runs) == sorted(tickets[:2])  # runs know their sweep
    assert {run["status"] for run in runs} == {"pr_open"}
    jobs = json.loads(workspace.cli("jobs", "list", "--queue", "runs", "--json").stdout)
    assert {job["status"] for job in jobs} == {"succeeded"} and len(jobs) == 3
    report_file = workspace.root / ".factory" / "sweeps" / f"{sweep_id}.md"
    assert "over the sweep budget (1)" in report_file.read_text()
    [(pulls,)] = postgres.query("SELECT count(*) FROM pull_requests")
    assert pulls == 2
    assert workspace.cli("audit", "verify").returncode == 0
    assert sandboxes_of({run["id"] for run in runs}) == []


def wait_until_frozen(process: subprocess.Popen[bytes], timeout: float = 300) -> None:
    """Until the process has stopped itself at a `=stop` failpoint (SIGSTOP)."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"exited with {process.returncode}"
        state = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state in ("T", "t"):
            return
        assert time.monotonic() < deadline, "the worker never reached its failpoint"
        time.sleep(0.1)


def wait_past_the_deadline(database: ScratchDatabase, sweep_id: str) -> None:
    """Until the sweep's recorded `--max-wall` deadline has passed on the wall clock."""
    [(params,)] = database.query(f"SELECT params FROM sweeps WHERE id = '{sweep_id}'")
    _request, workers = read_params(json.loads(params))
    assert workers.deadline is not None
    while past_deadline(workers.deadline) is None:
        time.sleep(0.1)


def test_a_sweep_on_workers_stops_at_its_max_wall_and_the_next_sweep_resumes_the_ticket(
    workspace: Workspace, postgres: ScratchDatabase, tmp_path: Path
) -> None:
    configure_queue(workspace)
    replay = replay_dir(workspace)
    first_ticket, second_ticket = add_tickets(workspace, 2)
    # The deadline falls inside the first ticket's run however fast or loaded the machine:
    # the worker freezes itself after the plan (SIGSTOP, `after:plan=stop`) and is let go
    # once the deadline has passed. The first sweep's worker only; the second's runs freely.
    worker = start_worker(workspace, tmp_path / "worker.log", FACTORY_FAILPOINTS=FREEZE)
    try:
        wait_for_a_worker(postgres)
        # Long enough for the job to begin its ticket before the deadline on a loaded machine
        # (10 s was not, beside three other xdist workers); the wait costs no CPU.
        queued = enqueue(workspace, replay, "--max-wall", "30s")
        wait_until_frozen(worker)
        wait_past_the_deadline(postgres, queued["sweep_id"])
        worker.send_signal(signal.SIGCONT)
        record = wait_for_the_end(workspace, queued["sweep_id"], timeout=600)
        # As in one process: the running ticket stopped at a checkpoint, resumable; the
        # ticket that would have started after the deadline was not started.
        assert record["status"] == "stopped", (tmp_path / "worker.log").read_text()[-3000:]
        report = record["report"]
        assert report["stopped"] == "the sweep's --max-wall passed"
        (stopped,) = report["interrupted"]
        assert (stopped["identity"], stopped["status"]) == (first_ticket, "running")
        (skipped,) = report["skipped"]
        assert (skipped["identity"], skipped["reason"]) == (second_ticket, "stopped")
        [(reason,)] = postgres.query(
            f"SELECT payload FROM events WHERE run_id = '{stopped['run_id']}' "
            "AND kind = 'run.stopped'"
        )
        assert "the sweep's --max-wall passed" in reason
        runs = json.loads(workspace.cli("runs", "list", "--json").stdout)
        assert [run["status"] for run in runs] == ["interrupted"]
    finally:
        worker.send_signal(signal.SIGCONT)  # a frozen worker cannot heed SIGTERM
        stop(worker)

    worker = start_worker(workspace, tmp_path / "second-worker.log")
    try:
        again = enqueue(workspace, replay)
        resumed = wait_for_the_end(workspace, again["sweep_id"], timeout=900)
    finally:
        stop(worker)
    assert resumed["status"] == "finished"
    report = resumed["report"]
    assert (report["started"], report["resumed"], report["prs_opened"]) == (1, 1, 2)
    by_ticket = {o["identity"]: o for o in report["pull_requests"]}
    assert by_ticket[first_ticket]["run_id"] == stopped["run_id"]  # the same run, continued
    kinds = [
        kind
        for (kind,) in postgres.query(
            f"SELECT kind FROM events WHERE run_id = '{stopped['run_id']}' ORDER BY seq"
        )
    ]
    assert "job.resumed" in kinds and "job.retried" not in kinds  # a first attempt, resuming
    runs = json.loads(workspace.cli("runs", "list", "--json").stdout)
    assert sorted(run["status"] for run in runs) == ["pr_open", "pr_open"]
    assert workspace.cli("audit", "verify").returncode == 0
    assert sandboxes_of({run["id"] for run in runs}) == []
