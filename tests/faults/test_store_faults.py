"""The record store under faults, mid-run: the disk full under SQLite, PostgreSQL restarted,
the SQLite file locked by another program. Each run is frozen at a node boundary by a
failpoint, the fault is made, the run goes on into it; then the status must be clear, the
audit chain whole, and `factory resume` must finish the run with one pull request.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bench._scratch_postgres import CLUSTER_SCRIPT
from factory.demo.run_demo import CASSETTE
from tests.faults.conftest import Workspace, assert_nothing_left, run_json

pytestmark = [pytest.mark.chaos, pytest.mark.docker]

FROZEN_AT = "before:code"


def _frozen_run(ws: Workspace, *extra: str) -> subprocess.Popen[str]:
    """`factory run` stopped (SIGSTOP) at FROZEN_AT, its plan checkpointed."""
    env = {**os.environ, "FACTORY_FAILPOINTS": f"{FROZEN_AT}=stop"}
    process = ws.start("run", str(ws.ticket), "--replay", str(CASSETTE), "--json", *extra, env=env)
    deadline = time.monotonic() + 300
    while _state(process.pid) != "T":
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run never reached its failpoint"
        time.sleep(0.1)
    return process


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "?"


def _go_on(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    os.kill(process.pid, signal.SIGCONT)
    out, err = process.communicate(timeout=600)
    return process.returncode, out, err


def _the_run(ws: Workspace) -> dict[str, str]:
    (run,) = json.loads(ws.cli("runs", "list", "--json").stdout)
    return dict(run)


def _resume_to_one_pr(ws: Workspace, run_id: str) -> None:
    resumed = ws.cli("resume", run_id, "--json")
    result = run_json(resumed)
    assert resumed.returncode == 0 and result["status"] == "pr_open", resumed.stderr[-2000:]
    with ws.store() as store:
        assert [p.number for p in store.pull_requests.all(repo="numerals")] == [1]
        commits = [
            (payload["node"], payload["iteration"])
            for payload in (
                json.loads(e.payload) for e in store.events.read(run_id) if e.kind == "git.commit"
            )
        ]
    assert commits and len(commits) == len(set(commits)), commits  # each step committed once
    assert_nothing_left(ws, run_id)


# -- the disk full mid-append -----------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MiB tmpfs, mounted by this test (root only), for the database."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the database needs root (CI runs as root)")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def test_the_disk_full_mid_append_cuts_no_chain_and_the_run_resumes(
    workspace: Workspace, small_disk: Path
) -> None:
    database = small_disk / "factory.db"
    _factory_setting(workspace, f'database_url = "sqlite:///{database}"')
    frozen = _frozen_run(workspace)
    filler = _fill(small_disk)

    code, out, err = _go_on(frozen)

    assert code == 1, out + err
    said = json.loads(out)["error"]["message"]
    assert "free disk space" in said or "disk is full" in said, said
    assert "Traceback" not in out + err
    # Every event that was written is whole: the chain verifies even with the disk full.
    verified = workspace.cli("audit", "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    run = _the_run(workspace)
    assert run["status"] == "interrupted" and run["driver"] is None  # resumable
    filler.unlink()
    _resume_to_one_pr(workspace, run["id"])


def _factory_setting(ws: Workspace, line: str) -> None:
    """Add `line` to the demo's [factory] table."""
    head = '[factory]\ndata_dir = ".factory"\n'
    text = ws.config_path.read_text()
    assert head in text
    ws.config_path.write_text(text.replace(head, head + line + "\n"))


# -- PostgreSQL restarted mid-run ---------------------------------------------------------------


@pytest.fixture
def own_postgres() -> Iterator[tuple[str, Path]]:
    """A PostgreSQL cluster of this test's own (the tests' throwaway cluster, in a folder of
    its own), so restarting it disturbs no other test; stopped and removed afterwards. The
    folder sits right under the temporary directory: the server's user must reach it."""
    folder = Path(tempfile.mkdtemp(prefix="agent-factory-chaos-pg-"))
    env = {k: v for k, v in os.environ.items() if k != "FACTORY_TEST_POSTGRES_URL"}
    env["FACTORY_TEST_POSTGRES_DIR"] = str(folder)
    found = subprocess.run(
        ["bash", str(CLUSTER_SCRIPT)], capture_output=True, text=True, env=env, timeout=180
    )
    url = found.stdout.strip()
    if not url:
        pytest.skip(f"no PostgreSQL cluster could be started here: {found.stderr[-500:]}")
    try:
        yield url, folder
    finally:
        subprocess.run(["bash", str(CLUSTER_SCRIPT), "--stop"], env=env, timeout=120, check=False)
        shutil.rmtree(folder, ignore_errors=True)
        Path(f"{folder}.lock").unlink(missing_ok=True)


def _pg_ctl(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    bindir = subprocess.run(
        ["bash", "-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    command = [f"{bindir}/pg_ctl", "-D", str(folder / "data"), *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_postgresql_restarted_mid_run_leaves_a_resumable_run(
    workspace: Workspace, own_postgres: tuple[str, Path]
) -> None:
    url, folder = own_postgres
    _factory_setting(workspace, f'database_url = "{url}"')
    frozen = _frozen_run(workspace)
    # The server's output goes to its log: a pipe kept open by it would never end.
    log = str(folder / "server.log")
    restarted = _pg_ctl(folder, "-w", "-t", "60", "-m", "fast", "-l", log, "restart")
    assert restarted.returncode == 0, restarted.stderr

    code, out, err = _go_on(frozen)

    assert "Traceback" not in out + err
    run = _the_run(workspace)
    if code == 0:  # the store and the checkpoints reconnected: the run never noticed
        assert run["status"] == "pr_open"
        assert_nothing_left(workspace, run["id"])
        return
    assert code == 1, out + err
    assert run["status"] in ("failed", "interrupted") and run["driver"] is None, run
    verified = workspace.cli("audit", "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    _resume_to_one_pr(workspace, run["id"])


# -- the SQLite file locked by another program --------------------------------------------------


def test_a_sqlite_file_locked_by_another_program_names_it_and_the_run_resumes(
    workspace: Workspace,
) -> None:
    _factory_setting(workspace, "busy_timeout_s = 2")
    frozen = _frozen_run(workspace)
    database = workspace.config().factory.data_dir / "factory.db"
    # Another program (here Python's own sqlite3) takes the write lock and keeps it.
    locker = subprocess.Popen(
        [
            "python3",
            "-c",
            "import sqlite3, sys, time\n"
            f"db = sqlite3.connect({str(database)!r}, isolation_level=None)\n"
            "db.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        code, out, err = _go_on(frozen)
    finally:
        locker.communicate(input="", timeout=30)  # the other program lets go
    assert code == 1, out + err
    error = json.loads(out)["error"]
    assert error["code"] == "database_busy"
    assert f"held by pid {locker.pid} (" in error["message"], error
    assert "python3 -c import sqlite3" in error["message"] and "\n" not in error["message"]
    assert "Traceback" not in out + err
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    run = _the_run(workspace)
    assert run["status"] in ("failed", "interrupted") and run["driver"] is None, run
    verified = workspace.cli("audit", "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    _resume_to_one_pr(workspace, run["id"])
