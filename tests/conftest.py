"""The whole suite's last check: nothing the factory made outlives the tests.

When the session ends, the Docker engine must hold no container, network or volume labelled
by the factory (`agent-factory.*`) or by a test's compose project (`factory-test-*`) that this
session made, and no run's worktree may stay behind a run that has ended. Anything found fails
the run, with the list.

The engine may be shared with other test sessions, so only what appeared during this session
counts, and of that only what is this session's: made by this process, or by a run recorded
in one of this session's stores. With `CI=true` the machine runs this suite alone, and
everything that appeared counts (compose projects and PostgreSQL-recorded runs included).

Under pytest-xdist the engine is checked once, by the controlling process, whose session spans
every worker's; each worker checks its own runs' worktrees when its session's fixtures end (a
failure there is an error the controller reports).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sandboxes import cleanup, labels

XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if XDIST_WORKER:
    # pytest-xdist's workers start with COLUMNS=80 and LINES=24 in their environment. A Rich
    # console made at import takes COLUMNS as its fixed width, so the CLI's tables would fold
    # at 80 columns in a worker whatever width a test asks for, and nowhere else.
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)

OUR_LABEL_PREFIX = "agent-factory."
COMPOSE_PROJECT = "com.docker.compose.project"
TEST_PROJECT_PREFIX = "factory-test-"
ENDED = ("pr_open", "merged", "no_change", "needs_human", "done", "refused", "rejected")
"""Run statuses after which a run's worktree has no reason to exist (budget_exceeded,
failed, halted and interrupted runs may be resumed, so theirs may stay)."""


@dataclass
class Inventory:
    """What the engine holds that the factory or a test's compose project made."""

    containers: dict[str, dict[str, str]] = field(default_factory=dict)
    networks: dict[str, dict[str, str]] = field(default_factory=dict)
    volumes: dict[str, dict[str, str]] = field(default_factory=dict)


def _ours(found: dict[str, str] | None) -> bool:
    tags = found or {}
    return any(key.startswith(OUR_LABEL_PREFIX) for key in tags) or tags.get(
        COMPOSE_PROJECT, ""
    ).startswith(TEST_PROJECT_PREFIX)


def _inventory() -> Inventory | None:
    try:
        import docker

        client = docker.from_env(timeout=20)
        api = client.api
        containers = {
            c["Id"]: c.get("Labels") or {}
            for c in api.containers(all=True)
            if _ours(c.get("Labels"))
        }
        networks = {
            n["Id"]: n.get("Labels") or {} for n in api.networks() if _ours(n.get("Labels"))
        }
        volumes = {
            v["Name"]: v.get("Labels") or {}
            for v in (api.volumes().get("Volumes") or [])
            if _ours(v.get("Labels"))
        }
        client.close()
    except Exception:  # no engine here: the tests that need one skip, and nothing can leak
        return None
    return Inventory(containers, networks, volumes)


def _this_sessions(tags: dict[str, str], runs: set[str]) -> bool:
    if tags.get(labels.OWNER) == labels.owner_label() or tags.get(labels.RUN) in runs:
        return True
    parsed = labels.parse_owner(tags.get(labels.OWNER, ""))
    if parsed is not None and not labels.owner_is_gone(*parsed):
        return False  # a live process (of another session) still owns it
    return os.environ.get("CI") == "true"


def _leaked_resources(before: Inventory, after: Inventory, runs: set[str]) -> list[str]:
    found = []
    for kind in ("containers", "networks", "volumes"):
        old, new = getattr(before, kind), getattr(after, kind)
        for key, tags in new.items():
            if key in old or not _this_sessions(tags, runs):
                continue
            name = tags.get(labels.RUN) or tags.get(COMPOSE_PROJECT) or ""
            found.append(f"{kind[:-1]} {key[:12]} {name}".strip())
    return found


def _session_runs(base: Path) -> set[str]:
    """The runs recorded in the SQLite stores this session's tests made."""
    found: set[str] = set()
    for database in base.glob("**/factory.db"):
        try:
            with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
                found.update(row[0] for row in db.execute("SELECT id FROM runs"))
        except sqlite3.Error:
            continue
    return found


def _leaked_worktrees(base: Path) -> list[str]:
    """Worktrees of runs that ended, under this session's temporary folders."""
    found = []
    for folder in base.glob("**/worktrees/r-*"):
        database = folder.parent.parent / "factory.db"
        if not database.is_file():
            continue
        try:
            with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
                row = db.execute("SELECT status FROM runs WHERE id = ?", (folder.name,)).fetchone()
        except sqlite3.Error:
            continue
        if row is not None and row[0] in ENDED:
            found.append(f"worktree {folder} of run {folder.name} ({row[0]})")
    return found


_BEFORE = pytest.StashKey[Inventory | None]()
_BASE = pytest.StashKey[Path]()


@pytest.fixture(scope="session", autouse=True)
def _session_temporary_folder(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[None]:
    """Where this session's tests keep their runs; when they are all done, no ended run's
    worktree may remain there."""
    base = tmp_path_factory.getbasetemp()
    pytestconfig.stash[_BASE] = base
    yield
    leaks = _leaked_worktrees(base)
    if leaks:
        pytest.fail("the tests left worktrees behind:\n" + "\n".join(leaks), pytrace=False)


def pytest_sessionstart(session: pytest.Session) -> None:
    if not XDIST_WORKER:
        session.config.stash[_BEFORE] = _inventory()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    cleanup.wait_for_removals()  # sandboxes removed in the background, off a run's path
    if XDIST_WORKER:
        return  # the controlling process checks the engine once, over every worker's session
    before = session.config.stash.get(_BEFORE, None)
    after = _inventory()
    base = session.config.stash.get(_BASE, None)
    runs = _session_runs(base) if base is not None else set()
    leaks = []
    if before is not None and after is not None:
        leaks += _leaked_resources(before, after, runs)
    if not leaks:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = ["the tests left behind what the factory made:", *(f"  {leak}" for leak in leaks)]
    if reporter is not None:
        reporter.write_sep("!", "LEAKED")
        for line in lines:
            reporter.write_line(line)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
