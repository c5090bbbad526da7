"""Real git repositories and a real factory.toml + SQLite store for the policy tests."""

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from policy_git_helpers import commit_file, git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository on `main` with one commit."""
    path = tmp_path / "demo"
    path.mkdir()
    git(path, "init", "-q")
    commit_file(path, "README.md", "demo\n", "initial")
    return path


@pytest.fixture
def write_config(tmp_path: Path, repo: Path) -> Callable[..., Path]:
    """Writes a factory.toml for `repo` (named demo) with extra lines for [repos.demo]."""

    def write(extra: str = "", name: str = "factory.toml") -> Path:
        config = tmp_path / name
        config.write_text(
            "[factory]\n"
            f'data_dir = "{tmp_path / "data"}"\n'
            "[repos.demo]\n"
            f'path = "{repo}"\n'
            # Named: tests check out other branches, and an omitted base is detected from
            # the checkout (its current branch, when there is no remote).
            'base_branch = "main"\n'
            'test_command = "pytest -q"\n' + extra
        )
        return config

    return write
