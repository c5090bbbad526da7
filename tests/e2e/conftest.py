"""Whole runs on a fresh copy of the demo's sample repository, with scripted model turns."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from factory.config import FactoryConfig, load_config
from factory.demo.run_demo import REPO_NAME, prepare_demo
from factory.run.runner import RunSummary, start_run
from factory.run.setup import RunOptions
from factory.store import Store

pytestmark = [pytest.mark.e2e, pytest.mark.docker]


@dataclass
class Workspace:
    root: Path

    @property
    def repo(self) -> Path:
        return self.root / REPO_NAME

    @property
    def config_path(self) -> Path:
        return self.root / "factory.toml"

    @property
    def ticket(self) -> Path:
        return self.root / "ticket.md"

    def configure(self, extra_repo_lines: str = "", top: str = "") -> None:
        """Append keys to `[repos.numerals]` (and other tables at the end of the file)."""
        text = self.config_path.read_text()
        text = text.replace("[repos.numerals]\n", f"[repos.numerals]\n{extra_repo_lines}\n")
        text = (
            text.replace('autonomy = { min = "L1", max = "L1" }\n', "")
            if ("autonomy" in extra_repo_lines)
            else text
        )
        self.config_path.write_text(text + "\n" + top)

    def config(self) -> FactoryConfig:
        return load_config(self.config_path)

    def run(self, cassette: Path, **options: object) -> RunSummary:
        return self.run_with(replay=cassette, **options)

    def run_with(self, **options: object) -> RunSummary:
        config = self.config()
        store = Store.open(config)
        try:
            return start_run(
                config,
                store,
                str(self.ticket),
                RunOptions(repo=REPO_NAME, **options),
            )
        finally:
            store.close()

    def store(self) -> Store:
        return Store.open(self.config())

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.repo, check=True, capture_output=True, text=True
        ).stdout

    def cli(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(Path(sys.executable).parent / "factory"),
                "--config",
                str(self.config_path),
                *args,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    yield Workspace(prepare_demo(tmp_path / "demo"))


@pytest.fixture(scope="session", autouse=True)
def no_sandbox_left_behind() -> Iterator[None]:
    """After the e2e runs, no run's sandbox outlives the process that made it."""
    yield
    client = docker.from_env()
    leftovers = client.containers.list(all=True, filters={"label": "agent-factory.run"})
    orphans = [c.name for c in leftovers if _owner_is_gone(c.labels.get("agent-factory.owner", ""))]
    assert not orphans, f"sandboxes left behind by dead processes: {orphans}"


def _owner_is_gone(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    return False
