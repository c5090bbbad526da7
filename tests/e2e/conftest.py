"""Whole runs on a fresh copy of the demo's sample repository, with scripted model turns."""

from __future__ import annotations

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
from sandboxes import labels

pytestmark = [pytest.mark.e2e, pytest.mark.docker]

LONGEST_FIRST = ("test_compose_stack.py", "test_workers.py", "test_sweep_workers.py")
"""The files whose scenarios take minutes (docs/performance.md lists the slowest tests)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # `make test` runs this tier under pytest-xdist's `--dist load --maxschedchunk 1`, which
    # hands each worker two items to start with, then one at a time. Each of the longest
    # scenarios goes first in one worker's pair, so they start at once, side by side, instead
    # of one of them starting last and holding the whole tier up alone.
    longest = sorted(
        (item for item in items if item.path.name in LONGEST_FIRST),
        key=lambda item: LONGEST_FIRST.index(item.path.name),
    )
    for item in longest:
        # Minutes alone, and slower beside the other workers' tests on a loaded machine: the
        # suite's 600 s per test is too tight for them (their own waits have deadlines).
        item.add_marker(pytest.mark.timeout(1800))
    rest = [item for item in items if item.path.name not in LONGEST_FIRST]
    ordered: list[pytest.Item] = []
    for item in longest:
        ordered += [item, *rest[:1]]
        rest = rest[1:]
    items[:] = ordered + rest


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
        self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args), capture_output=True, text=True, env=env, cwd=cwd, timeout=600
        )

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """The CLI as a second, concurrent process (collect it with `.communicate()`)."""
        return subprocess.Popen(
            self.command(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    def command(self, *args: str) -> list[str]:
        factory = str(Path(sys.executable).parent / "factory")
        return [factory, "--config", str(self.config_path), *args]


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace(prepare_demo(tmp_path / "demo"))
    yield ws
    _assert_no_sandbox_outlives_its_process(ws)


def _assert_no_sandbox_outlives_its_process(ws: Workspace) -> None:
    """After a test, no sandbox of its runs outlives the process that made it.

    Only this test's runs are looked at: other processes on the machine (other test sessions)
    make and lose containers of their own at the same time.
    """
    if not (ws.config().factory.data_dir / "factory.db").exists():
        return
    with ws.store() as store:
        run_ids = {run.id for run in store.runs.latest(limit=10_000)}
    client = docker.from_env()
    # One listing call (labels included): other sessions remove containers at any moment.
    leftovers = client.api.containers(all=True, filters={"label": labels.RUN})
    orphans = [
        summary["Id"][:12]
        for summary in leftovers
        if (summary.get("Labels") or {}).get(labels.RUN) in run_ids
        and _owner_is_gone((summary.get("Labels") or {}).get(labels.OWNER, ""))
    ]
    assert not orphans, f"sandboxes left behind by dead processes: {orphans}"


def _owner_is_gone(owner: str) -> bool:
    parsed = labels.parse_owner(owner)
    return parsed is not None and labels.owner_is_gone(*parsed)
