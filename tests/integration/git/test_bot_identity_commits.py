"""`[git]` in factory.toml: the factory's commits carry the configured bot identity (real git)."""

from pathlib import Path

import git
import pytest

from factory.config import load_config
from factory.git import commit_step, create_worktree, ensure_clone


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "factory.toml"
    path.write_text(text)
    return path


@pytest.mark.integration
def test_commits_carry_the_configured_identity(tmp_path: Path) -> None:
    path = write(tmp_path, '[git]\nname = "acme-bot"\nemail = "bot@acme.example"\n')
    identity = load_config(path, environ={}).git
    user = git.Repo.init(tmp_path / "user", initial_branch="main")
    (tmp_path / "user" / "a.txt").write_text("a\n")
    user.index.add(["a.txt"])
    actor = git.Actor("User", "user@example.com")
    user.index.commit("initial", author=actor, committer=actor)
    clone = ensure_clone(str(tmp_path / "user"), tmp_path / "clones")
    worktree = create_worktree(clone, base_branch="main", branch="factory/x", path=tmp_path / "wt")
    (worktree.path / "b.txt").write_text("b\n")
    outcome = commit_step(
        worktree, message="add b", run_id="r-1", step="code-1", ticket_ref="t", identity=identity
    )
    assert outcome.created and outcome.sha is not None
    commit = git.Repo(worktree.path).commit(outcome.sha)
    assert (commit.author.name, commit.author.email) == ("acme-bot", "bot@acme.example")
    assert (commit.committer.name, commit.committer.email) == ("acme-bot", "bot@acme.example")
