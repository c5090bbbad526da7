"""A user's world for the bad-input suite, and the checks every refused command must pass.

The world is real: a git repository with one commit, a data directory with a SQLite store, a
factory.toml that works (models answer from a cassette), a ticket. Each case breaks one thing
and runs the real `factory` command line (in process through Typer's runner, or as a child
process where the environment itself is the bad input).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import git
import pytest
from typer.testing import CliRunner

from factory.cli import app
from sandboxes.labels import OWNER, owner_label

FACTORY_BIN = Path(sys.executable).parent / "factory"
MODELS = '[models.default]\nprovider = "replay"\ncassette = "{cassette}"\n'
REPLY = '{"reply": {"text": "done"}}\n'


@dataclass
class Outcome:
    """What a command printed and how it exited."""

    exit_code: int
    stdout: str
    stderr: str
    leaked: BaseException | None = None
    """An exception that got past the command line's handler (never acceptable)."""

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class World:
    root: Path
    user: Path
    data: Path
    config: Path
    cassette: Path
    ticket: Path
    repo: git.Repo
    containers_before: set[str] = field(default_factory=set)
    branches_before: set[str] = field(default_factory=set)

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.data / 'factory.db'}"

    def fill(self, text: str) -> str:
        """Placeholders in case tables: {user} {data} {cassette} {ticket} {root}."""
        return text.format(
            user=self.user,
            data=self.data,
            cassette=self.cassette,
            ticket=self.ticket,
            root=self.root,
        )

    def write_config(self, text: str) -> None:
        self.config.write_text(self.fill(text), encoding="utf-8")

    def base_config(self, repo_extra: str = "", *, models: str = MODELS) -> str:
        return (
            '[factory]\ndata_dir = "{data}"\n\n'
            + models
            + '\n[repos.demo]\npath = "{user}"\ntest_command = "true"\nbase_branch = "main"\n'
            + repo_extra
        )

    def invoke(
        self, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None
    ) -> Outcome:
        """`factory ARGS` in process, in the world's folder, with the world's config."""
        environment = {"FACTORY_CONFIG": str(self.config), "FACTORY_DEBUG": ""} | dict(env or {})
        result = CliRunner().invoke(app, [self.fill(a) for a in args], env=environment, input=stdin)
        leaked = None if isinstance(result.exception, SystemExit | None) else result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr, leaked)

    def spawn(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
        timeout: float = 120,
        obey_permissions: bool = False,
    ) -> Outcome:
        """`factory ARGS` as a child process (for environments a runner cannot fake).

        `obey_permissions` drops root's power to read and write past file permissions
        (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so a root test run meets them as a user does.
        """
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("FACTORY_") and key not in ("ANTHROPIC_API_KEY", "GITHUB_TOKEN")
        }
        environment |= {"FACTORY_CONFIG": str(self.config)} | dict(env or {})
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
        done = subprocess.run(
            [
                *(prefix if obey_permissions else []),
                str(FACTORY_BIN),
                *(self.fill(a) for a in args),
            ],
            cwd=self.root,
            env=environment,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            errors="backslashreplace",
        )
        return Outcome(done.returncode, done.stdout, done.stderr)

    def branches(self) -> set[str]:
        return {head.name for head in self.repo.heads}

    def check_nothing_started(self) -> None:
        """No run row running (or at all), no PR, no worktree, no branch, no container."""
        database = self.data / "factory.db"
        if database.exists():
            runs, pulls = _runs_and_pulls(database)
            assert [run for run in runs if run[1] == "running"] == []
            assert runs == []
            assert pulls == 0
        worktrees = self.data / "worktrees"
        assert not worktrees.exists() or list(worktrees.iterdir()) == []
        assert self.branches() == self.branches_before
        assert own_containers() <= self.containers_before


def _runs_and_pulls(database: Path) -> tuple[list[tuple[str, str]], int]:
    """Read-only; on a full disk (no room for SQLite's shared-memory file) as immutable."""
    for mode in ("mode=ro", "immutable=1"):
        try:
            with closing(sqlite3.connect(f"file:{database}?{mode}", uri=True)) as db:
                runs = db.execute("SELECT id, status FROM runs").fetchall()
                pulls = db.execute("SELECT count(*) FROM pull_requests").fetchone()[0]
            return runs, pulls
        except sqlite3.OperationalError:
            if mode == "immutable=1":
                raise
    raise AssertionError("unreachable")


def own_containers() -> set[str]:
    """Containers this test process's factory made (filtered by our owner label, never all)."""
    try:
        client = docker.from_env(timeout=10)
        found = client.containers.list(
            all=True, sparse=True, filters={"label": f"{OWNER}={owner_label()}"}
        )
        client.close()
    except docker.errors.DockerException:
        return set()
    return {container.id for container in found}


def assert_refused(
    outcome: Outcome,
    exit_code: int,
    words: tuple[str, ...],
    world: World,
    *,
    as_json: bool = False,
) -> None:
    """The one contract of the suite: code, key words, no traceback, nothing started."""
    assert outcome.leaked is None, f"exception escaped the CLI: {outcome.leaked!r}"
    assert outcome.exit_code == exit_code, outcome.output
    assert "Traceback" not in outcome.output, outcome.output
    text = outcome.output.lower()
    for word in words:
        assert world.fill(word).lower() in text, f"{word!r} not in: {outcome.output}"
    if as_json:
        document = json.loads(outcome.stdout)
        assert document["ok"] is False and document["error"]["message"], document
    world.check_nothing_started()


def make_world(tmp_path: Path) -> World:
    user = tmp_path / "user"
    repo = git.Repo.init(user, initial_branch="main")
    (user / "app.py").write_text("print('hello')\n")
    repo.index.add(["app.py"])
    actor = git.Actor("User", "user@example.com")
    repo.index.commit("initial", author=actor, committer=actor)
    cassette = tmp_path / "cassette.jsonl"
    cassette.write_text(REPLY)
    ticket = tmp_path / "ticket.md"
    ticket.write_text("---\ntitle: Say goodbye\n---\nPrint goodbye as well.\n")
    world = World(
        root=tmp_path,
        user=user,
        data=tmp_path / "data",
        config=tmp_path / "factory.toml",
        cassette=cassette,
        ticket=ticket,
        repo=repo,
    )
    world.write_config(world.base_config())
    world.branches_before = world.branches()
    world.containers_before = own_containers()
    return world


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.chdir(tmp_path)
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GITHUB_TOKEN", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("FACTORY_"):
            monkeypatch.delenv(name)
    return make_world(tmp_path)


Prepare = Callable[[World], Any]
