"""What `runs list/show` and `halt` say about liveness, against a real SQLite database and
real processes (a driver that has exited, one that is alive)."""

import json
import os
import socket
import subprocess
import sys

from factory.store import LeaseOwner, RunStatus, Store

from .conftest import Invoke


def _exited_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _seed(db_url: str) -> tuple[str, str]:
    """A run whose driver exited without a word, and one driven by a live process."""
    with Store(db_url) as store:
        dead = store.runs.create("acme/app#1", "app", status=RunStatus.RUNNING)
        store.leases.acquire(dead.id, LeaseOwner(socket.gethostname(), _exited_pid()), 3600)
        live = store.runs.create("acme/app#2", "app", status=RunStatus.RUNNING)
        store.leases.acquire(live.id, LeaseOwner(socket.gethostname(), os.getpid()), 3600)
    return dead.id, live.id


def test_a_run_whose_driver_died_is_listed_interrupted_never_running(
    invoke: Invoke, db_url: str
) -> None:
    dead, live = _seed(db_url)
    listed = {run["id"]: run for run in json.loads(invoke("runs", "list", "--json").stdout)}
    assert listed[dead]["status"] == "interrupted" and listed[dead]["driver"] is None
    assert listed[live]["status"] == "running"
    assert f"driven by pid {os.getpid()} on host {socket.gethostname()}" in listed[live]["driver"]

    running = json.loads(invoke("runs", "list", "--status", "running", "--json").stdout)
    assert [run["id"] for run in running] == [live]
    interrupted = json.loads(invoke("runs", "list", "--status", "interrupted", "--json").stdout)
    assert [run["id"] for run in interrupted] == [dead]

    shown = json.loads(invoke("runs", "show", dead, "--json").stdout)
    assert shown["status"] == "interrupted"
    assert f"factory resume {dead}" in shown["waiting_for"]
    table = invoke("runs", "list")
    assert table.exit_code == 0 and "interrupted" in table.stdout


def test_halting_a_halted_scope_says_by_whom_and_since_when_and_adds_nothing(
    invoke: Invoke, db_url: str
) -> None:
    first = invoke("halt", "--all", "--reason", "incident", "--by", "ops")
    assert first.exit_code == 0, first.stdout + first.stderr
    second = invoke("halt", "--all", "--reason", "again", "--by", "dev", "--json")
    assert second.exit_code == 0, second.stdout + second.stderr
    already = json.loads(second.stdout)["already"]
    assert already.startswith("the whole factory is already halted by ops since 20")
    assert "(incident)" in already
    people = invoke("halt", "--all", "--reason", "again", "--by", "dev")
    assert "already halted by ops since" in people.stdout
    with Store(db_url) as store:
        assert [(halt.by, halt.reason) for halt in store.halts.active()] == [("ops", "incident")]
