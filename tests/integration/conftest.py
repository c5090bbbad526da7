"""The integration tests' fake GitHub (see tests/support/fake_github.py), seeded with a tiny app."""

from collections.abc import Iterator
from pathlib import Path

import git
import pytest

from tests.support.fake_github import FakeGitHub, serve_fake_github


@pytest.fixture
def fake_github(tmp_path: Path) -> Iterator[FakeGitHub]:
    source = tmp_path / "seed"
    repo = git.Repo.init(source, initial_branch="main")
    (source / "app.py").write_text("print('hello')\n")
    (source / ".github").mkdir()
    (source / ".github" / "CODEOWNERS").write_text("* @acme/core\n*.py @alice @bob\n")
    repo.index.add(["app.py", ".github/CODEOWNERS"])
    actor = git.Actor("User", "user@example.com")
    repo.index.commit("initial", author=actor, committer=actor)
    with serve_fake_github(tmp_path / "github", source) as hub:
        yield hub
