"""A bad environment: Docker unreachable, the database unreachable or locked, the data
directory's disk full, undecodable file names, and a genuine bug. Exit 1 (the machine, not
the input), one line that says what to do, never a traceback, nothing started."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from factory.store import Store
from tests.reliability.conftest import World, assert_refused

BOGUS_DOCKER = {"DOCKER_HOST": "tcp://127.0.0.1:9"}
"""Port 9 (discard) on loopback: nothing listens, the connection is refused at once."""


def test_config_check_says_docker_is_unreachable(world: World) -> None:
    outcome = world.invoke("config", "check", env=BOGUS_DOCKER)
    assert_refused(outcome, 1, ("docker engine is unreachable", "docker_host"), world)


def test_run_refuses_to_start_without_docker(world: World) -> None:
    outcome = world.invoke("run", "{ticket}", "--repo", "demo", "--json", env=BOGUS_DOCKER)
    assert_refused(outcome, 1, ("docker engine is unreachable",), world, as_json=True)
    assert json.loads(outcome.stdout)["error"]["code"] == "environment"


def test_offline_check_does_not_need_docker(world: World) -> None:
    outcome = world.invoke("config", "check", "--offline", env=BOGUS_DOCKER)
    assert outcome.exit_code == 0, outcome.output
    world.check_nothing_started()


@pytest.mark.parametrize("command", [("runs", "list"), ("run", "{ticket}", "--repo", "demo")])
def test_an_unreachable_database_is_one_line(world: World, command: tuple[str, ...]) -> None:
    outcome = world.invoke(
        *command, env={"FACTORY_DATABASE_URL": "sqlite:////proc/agent-factory/factory.db"}
    )
    assert_refused(outcome, 1, ("cannot open the database", "/proc/agent-factory"), world)


DOWN_POSTGRES = {"FACTORY_DATABASE_URL": "postgresql+psycopg://factory:secret@127.0.0.1:9/factory"}
"""A PostgreSQL URL where nothing listens: the queue's commands must not wait out a pool."""


@pytest.mark.parametrize(
    "command",
    [
        ("jobs", "list"),
        ("jobs", "cancel", "7"),
        ("worker",),
        ("run", "--enqueue", "{ticket}", "--repo", "demo"),
        ("sweep", "--enqueue", "--repo", "demo"),
    ],
)
def test_a_queue_whose_server_is_down_is_one_line(world: World, command: tuple[str, ...]) -> None:
    outcome = world.invoke(*command, env=DOWN_POSTGRES)
    assert_refused(outcome, 1, ("cannot connect", "127.0.0.1:9", "database_url"), world)
    assert "secret" not in outcome.output


def test_a_queue_whose_server_is_down_in_json(world: World) -> None:
    outcome = world.invoke("jobs", "list", "--json", env=DOWN_POSTGRES)
    assert_refused(outcome, 1, ("cannot connect",), world, as_json=True)
    assert json.loads(outcome.stdout)["error"]["code"] == "database"


def test_a_database_server_that_is_down_is_named_by_config_check(world: World) -> None:
    outcome = world.invoke(
        "config",
        "check",
        "--offline",
        env={"FACTORY_DATABASE_URL": "sqlite:////proc/agent-factory/factory.db"},
    )
    assert_refused(outcome, 1, ("factory.database_url", "cannot be created"), world)


@pytest.fixture
def lock_holder(world: World) -> Iterator[subprocess.Popen[str]]:
    """Another process holding SQLite's write lock on the world's database."""
    Store(world.db_url).close()  # created and migrated first, as a running factory would
    script = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(world.data / "factory.db")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    yield holder
    holder.kill()
    holder.wait()


def test_a_locked_database_names_the_process_that_holds_it(
    world: World, lock_holder: subprocess.Popen[str]
) -> None:
    outcome = world.invoke(
        "halt", "--all", "--reason", "maintenance", env={"FACTORY_BUSY_TIMEOUT_S": "1"}
    )
    assert_refused(
        outcome,
        1,
        ("stayed locked for 1s", f"pid {lock_holder.pid}", "busy_timeout_s"),
        world,
    )
    assert "database is locked" not in outcome.output


def test_a_locked_database_in_json(world: World, lock_holder: subprocess.Popen[str]) -> None:
    outcome = world.invoke(
        "halt", "--all", "--reason", "x", "--json", env={"FACTORY_BUSY_TIMEOUT_S": "0.5"}
    )
    assert_refused(outcome, 1, ("stayed locked",), world, as_json=True)
    assert json.loads(outcome.stdout)["error"]["code"] == "database_busy"


@pytest.fixture
def full_disk(world: World) -> Iterator[Path]:
    """The data directory on a 1 MiB tmpfs, filled up (needs root to mount)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the data directory needs root (CI runs as root)")
    mount = world.root / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {done.stderr.decode().strip()}")
    try:
        world.data = mount / "data"
        world.write_config(world.base_config())
        Store(world.db_url).close()
        filler = mount / "filler"
        with filler.open("wb") as out:
            try:
                while True:
                    out.write(b"\0" * 65536)
                    out.flush()
            except OSError:
                pass
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_data_disk_refuses_a_run_before_it_starts(world: World, full_disk: Path) -> None:
    outcome = world.invoke("run", "{ticket}", "--repo", "demo")
    assert_refused(outcome, 1, ("cannot open the database", "kib free", "free disk space"), world)


def test_a_full_data_disk_fails_a_write_with_one_line(world: World, full_disk: Path) -> None:
    outcome = world.invoke("halt", "--reason", "x", "--repo", "demo")
    assert_refused(outcome, 1, ("kib free", "free disk space"), world)


def test_a_full_disk_sends_a_crash_report_elsewhere(
    world: World, full_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("factory.store.Store.open", broken)
    outcome = world.invoke("runs", "list")
    assert_refused(outcome, 1, ("unexpected error", "runtimeerror: boom", "crash-"), world)
    assert str(full_disk) not in outcome.output  # the report went to the temporary folder


def _bug(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("an invariant broke")

    monkeypatch.setattr("factory.store.Store.open", broken)


def test_a_bug_prints_one_line_naming_the_crash_report(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bug(monkeypatch)
    outcome = world.invoke("runs", "list")
    assert_refused(outcome, 1, ("unexpected error", "runtimeerror", "crash-"), world)
    reports = list((world.data / "crashes").glob("crash-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in outcome.stderr
    text = reports[0].read_text()
    assert "Traceback" in text and "an invariant broke" in text and "runs list" in text


def test_a_bug_in_json_is_a_json_error(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _bug(monkeypatch)
    outcome = world.invoke("runs", "list", "--json")
    assert_refused(outcome, 1, ("unexpected error",), world, as_json=True)
    assert json.loads(outcome.stdout)["error"]["code"] == "crash"


@pytest.mark.parametrize("how", ["flag", "variable"])
def test_debug_shows_the_traceback_on_request(
    world: World, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    _bug(monkeypatch)
    args = ("--debug", "runs", "list") if how == "flag" else ("runs", "list")
    outcome = world.invoke(*args, env={"FACTORY_DEBUG": "1"} if how == "variable" else {})
    assert outcome.exit_code == 1 and outcome.leaked is None
    assert "Traceback" in outcome.stderr and "an invariant broke" in outcome.stderr


def test_an_undecodable_file_name_is_escaped_in_json(world: World) -> None:
    """A child process, so the name reaches the factory as the raw bytes a shell passes."""
    name = os.fsdecode(b"ticket-\xff\xfe.md")
    outcome = world.spawn("run", name, "--repo", "demo", "--json")
    assert outcome.exit_code == 2, outcome.output
    assert "Traceback" not in outcome.output
    document = json.loads(outcome.stdout)
    assert "not found" in document["error"]["message"]
    assert "\\udcff" in outcome.stdout  # escaped, never written raw
    world.check_nothing_started()


def test_an_undecodable_file_name_is_escaped_for_people(world: World) -> None:
    name = os.fsdecode(b"ticket-\xff.md")
    outcome = world.spawn("run", name, "--repo", "demo")
    assert outcome.exit_code == 2, outcome.output
    assert "Traceback" not in outcome.output and "not found" in outcome.stderr
    world.check_nothing_started()


@pytest.fixture
def permissions_apply() -> None:
    """Root reads everything; the cases below drop that power (or run as a user already)."""
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("root ignores file permissions and setpriv is not installed to drop that")


@pytest.mark.parametrize(
    ("case", "args", "words"),
    [
        (
            "config-unreadable",
            ("--config", "{root}/secret.toml", "config", "check", "--offline"),
            ("secret.toml", "not readable"),
        ),
        (
            "config-in-unreadable-folder",
            ("--config", "{root}/closed/factory.toml", "config", "check", "--offline"),
            ("cannot be reached", "closed", "not readable by this user"),
        ),
        (
            "ticket-unreadable",
            ("run", "{root}/secret.md", "--repo", "demo"),
            ("cannot read ticket file", "secret.md", "permission denied"),
        ),
        (
            "cassette-unreadable",
            ("run", "{ticket}", "--repo", "demo", "--replay", "{root}/secret.jsonl"),
            ("--replay", "secret.jsonl", "not readable"),
        ),
    ],
)
def test_a_file_this_user_may_not_read_is_named(
    world: World, permissions_apply: None, case: str, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    for name in ("secret.toml", "secret.md", "secret.jsonl"):
        (world.root / name).write_text(world.config.read_text() if name.endswith("toml") else "x")
        (world.root / name).chmod(0)
    closed = world.root / "closed"
    closed.mkdir()
    (closed / "factory.toml").write_text(world.config.read_text())
    closed.chmod(0)
    try:
        outcome = world.spawn(*args, obey_permissions=os.geteuid() == 0)
    finally:
        closed.chmod(0o755)
    assert_refused(outcome, 2, words, world)


def test_a_data_directory_this_user_may_not_write_is_named(
    world: World, permissions_apply: None
) -> None:
    closed = world.root / "readonly"
    closed.mkdir()
    closed.chmod(0o555)
    world.data = closed / "data"
    world.write_config(world.base_config())
    try:
        outcome = world.spawn("runs", "list", obey_permissions=os.geteuid() == 0)
    finally:
        closed.chmod(0o755)
    assert_refused(outcome, 1, ("cannot open the database", "permission denied", "readonly"), world)
