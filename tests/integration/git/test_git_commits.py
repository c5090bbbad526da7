"""Bot commits with run trailers, idempotent per step; pushes that never force."""

from pathlib import Path

import git
import pytest

from factory.git import (
    BotIdentity,
    CommitOutcome,
    GitError,
    commit_step,
    create_worktree,
    ensure_clone,
    push_branch,
    read_trailers,
)

pytestmark = pytest.mark.integration


def make_user_repo(path: Path) -> git.Repo:
    repo = git.Repo.init(path, initial_branch="main")
    (path / "app.py").write_text("print('hello')\n")
    repo.index.add(["app.py"])
    actor = git.Actor("User", "user@example.com")
    repo.index.commit("initial", author=actor, committer=actor)
    return repo


@pytest.fixture
def worktree(tmp_path: Path):  # type: ignore[no-untyped-def]
    make_user_repo(tmp_path / "user")
    clone = ensure_clone(str(tmp_path / "user"), tmp_path / "clones")
    return create_worktree(clone, base_branch="main", branch="factory/9-x", path=tmp_path / "w")


def test_commit_uses_bot_identity_and_run_trailers(worktree) -> None:  # type: ignore[no-untyped-def]
    (worktree.path / "app.py").write_text("print('fixed')\n")
    bot = BotIdentity(name="Factory Bot", email="bot@factory.test")
    outcome = commit_step(
        worktree,
        message="Fix greeting",
        run_id="run-1",
        step="code-1",
        ticket_ref="acme/app#12",
        identity=bot,
    )
    assert outcome.created
    commit = git.Repo(worktree.path).commit(outcome.sha)
    assert (commit.author.name, commit.author.email) == ("Factory Bot", "bot@factory.test")
    assert (commit.committer.name, commit.committer.email) == ("Factory Bot", "bot@factory.test")
    assert str(commit.message).startswith("Fix greeting\n")
    assert outcome.sha is not None
    assert read_trailers(worktree.path, outcome.sha) == {
        "Factory-Run": "run-1",
        "Factory-Step": "code-1",
        "Ticket": "acme/app#12",
    }


def test_replayed_step_makes_no_second_commit(worktree) -> None:  # type: ignore[no-untyped-def]
    (worktree.path / "app.py").write_text("print('fixed')\n")
    first = commit_step(worktree, message="m", run_id="run-1", step="code-1", ticket_ref="t")
    (worktree.path / "app.py").write_text("print('fixed again after crash')\n")
    replay = commit_step(worktree, message="m", run_id="run-1", step="code-1", ticket_ref="t")
    assert replay == first.model_copy(update={"created": False})
    history = git.Repo(worktree.path).git.rev_list("--count", "refs/remotes/origin/main..HEAD")
    assert history == "1"
    second = commit_step(worktree, message="m2", run_id="run-1", step="code-2", ticket_ref="t")
    assert second.created and second.sha != first.sha
    other_run = commit_step(worktree, message="m", run_id="run-2", step="code-1", ticket_ref="t")
    assert other_run.sha is None  # nothing left to commit, and run-1's commit is not run-2's


def test_nothing_to_commit_reports_no_commit(worktree) -> None:  # type: ignore[no-untyped-def]
    outcome = commit_step(worktree, message="m", run_id="r", step="code-1", ticket_ref="t")
    assert outcome.sha is None and not outcome.created


def test_multiline_ticket_ref_cannot_forge_trailers(worktree) -> None:  # type: ignore[no-untyped-def]
    (worktree.path / "app.py").write_text("x\n")
    with pytest.raises(GitError, match="single line"):
        commit_step(worktree, message="m", run_id="r", step="s", ticket_ref="t\nFactory-Run: evil")


def test_commit_ignores_hooks_planted_by_repo_config(worktree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hooks = worktree.path / ".githooks"
    hooks.mkdir()
    marker = tmp_path / "hook-ran"
    (hooks / "post-commit").write_text(f"#!/bin/sh\ntouch {marker}\n")
    (hooks / "post-commit").chmod(0o755)
    git.Repo(worktree.path).git.config("core.hooksPath", str(hooks))
    (worktree.path / "app.py").write_text("x\n")
    assert commit_step(worktree, message="m", run_id="r", step="s", ticket_ref="t").created
    assert not marker.exists()


def test_push_never_forces_over_diverged_history(worktree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    remote = tmp_path / "remote.git"
    git.Repo.init(remote, bare=True)
    (worktree.path / "app.py").write_text("one\n")
    first = commit_step(worktree, message="one", run_id="r", step="code-1", ticket_ref="t")
    assert push_branch(worktree.path, str(remote), worktree.branch) == first.sha
    wt = git.Repo(worktree.path)
    wt.git.reset("--hard", "HEAD~1")
    (worktree.path / "app.py").write_text("two\n")
    commit_step(worktree, message="two", run_id="r", step="code-2", ticket_ref="t")
    with pytest.raises(GitError, match="could not push"):
        push_branch(worktree.path, str(remote), worktree.branch)
    assert git.Repo(remote).commit(worktree.branch).hexsha == first.sha


def test_push_refuses_credentials_in_the_url(worktree) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GitError, match="credentials do not belong"):
        push_branch(worktree.path, "https://user:tok@127.0.0.1:1/x.git", worktree.branch)


def test_step_commits_leave_out_tool_output_in_a_repo_without_gitignore(worktree) -> None:  # type: ignore[no-untyped-def]
    """Running the tests leaves bytecode and caches behind; only the source reaches the commit."""
    assert not (worktree.path / ".gitignore").exists()
    tests = worktree.path / "tests"
    (tests / "__pycache__").mkdir(parents=True)
    (tests / "test_app.py").write_text("def test_app():\n    assert True\n")
    (tests / "__pycache__" / "test_app.cpython-311-pytest-8.3.pyc").write_bytes(b"\x00bytecode")
    (worktree.path / "app.pyc").write_bytes(b"\x00bytecode")
    for cache in (".pytest_cache", ".mypy_cache", ".ruff_cache", "node_modules/left-pad"):
        (worktree.path / cache).mkdir(parents=True)
        (worktree.path / cache / "state").write_text("cached\n")
    (worktree.path / ".coverage").write_text("coverage data\n")

    outcome = commit_step(
        worktree, message="Add tests", run_id="run-1", step="test-1", ticket_ref="t"
    )

    assert outcome.created
    changed = git.Repo(worktree.path).git.show("--name-only", "--format=", outcome.sha).split()
    assert changed == ["tests/test_app.py"]


def test_a_step_of_only_tool_output_commits_nothing(worktree) -> None:  # type: ignore[no-untyped-def]
    (worktree.path / "__pycache__").mkdir()
    (worktree.path / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\x00bytecode")
    outcome = commit_step(worktree, message="x", run_id="run-1", step="code-1", ticket_ref="t")
    assert outcome == CommitOutcome(sha=None, created=False)
