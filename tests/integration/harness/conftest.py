"""Fixtures for harness tests on real git repositories and the real Docker engine."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

RUN_ID = f"test-harness-{uuid.uuid4().hex[:8]}"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        env={"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def run_git() -> Callable[..., None]:
    return git


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "harness@example.invalid")
    git(repo, "config", "user.name", "harness tests")
    return repo


@pytest.fixture
def sandbox_worktree(tmp_path: Path) -> Iterator[tuple[Path, object]]:
    """A worktree directory mounted into a real DockerSandbox (removed afterwards)."""
    from sandboxes.config import DockerSandboxConfig
    from sandboxes.docker_engine import connect, require_image
    from sandboxes.docker_sandbox import DockerSandbox
    from sandboxes.errors import EngineUnavailable, ImageMissing

    try:
        client = connect()
        require_image(client, DockerSandboxConfig().image)
    except (EngineUnavailable, ImageMissing) as exc:
        pytest.skip(str(exc))
    root = tmp_path / "worktree"
    root.mkdir()
    (root / "README.md").write_text("sandboxed\n")
    with DockerSandbox(DockerSandboxConfig(), worktree=root, run_id=RUN_ID, client=client) as box:
        yield root, box
