"""Cached clones and per-run worktrees, on real git repositories."""

import hashlib
import os
import subprocess
from pathlib import Path

import git
import pytest

from factory.git import (
    GitError,
    branch_name,
    create_worktree,
    ensure_clone,
    read_from_base,
    remove_worktree,
)

pytestmark = pytest.mark.integration


def make_user_repo(path: Path) -> git.Repo:
    repo = git.Repo.init(path, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "User")
        config.set_value("user", "email", "user@example.com")
    (path / "app.py").write_text("print('hello')\n")
    (path / "factory.toml").write_text("[repo]\nbase_branch = 'main'\n")
    repo.index.add(["app.py", "factory.toml"])
    repo.index.commit("initial")
    return repo


def snapshot(root: Path) -> dict[str, str]:
    """Every file under root (including .git internals) with its content hash and mode."""
    result: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            result[str(path.relative_to(root))] = f"{digest}:{oct(path.stat().st_mode)}"
    return result


def test_branch_name_is_ticket_key_and_slug_of_title() -> None:
    assert branch_name("42", "Fix: off-by-one in Pager!") == "factory/42-fix-off-by-one-in-pager"
    assert branch_name("gh 7", "Ünïcode  title") == "factory/gh-7-unicode-title"
    assert branch_name("x", "!!!") == "factory/x"


def test_worktree_flow_leaves_a_dirty_user_checkout_byte_identical(tmp_path: Path) -> None:
    user = tmp_path / "user"
    repo = make_user_repo(user)
    (user / "app.py").write_text("print('half-done edit')\n")  # uncommitted change
    (user / "notes.txt").write_text("untracked scratch\n")  # untracked file
    repo.index.add(["factory.toml"])  # staged (no-op) keeps the index in play
    (user / "staged.py").write_text("x = 1\n")
    repo.index.add(["staged.py"])  # staged new file
    status_before = repo.git.status("--porcelain")  # git status refreshes the index: do it first
    before = snapshot(user)

    clone = ensure_clone(str(user), tmp_path / "data" / "clones")
    worktree = create_worktree(
        clone, base_branch="main", branch="factory/1-demo", path=tmp_path / "wt" / "run1"
    )
    (worktree.path / "app.py").write_text("print('fixed')\n")
    git.Repo(worktree.path).git.add(all=True)
    remove_worktree(worktree)

    assert snapshot(user) == before
    assert repo.git.status("--porcelain") == status_before
    assert "factory/1-demo" not in [head.name for head in repo.heads]


def test_worktree_starts_from_committed_base_not_the_dirty_checkout(tmp_path: Path) -> None:
    user = tmp_path / "user"
    make_user_repo(user)
    (user / "app.py").write_text("dirty\n")
    clone = ensure_clone(str(user), tmp_path / "clones")
    worktree = create_worktree(clone, base_branch="main", branch="factory/2-x", path=tmp_path / "w")
    assert (worktree.path / "app.py").read_text() == "print('hello')\n"
    assert worktree.base_sha == git.Repo(user).head.commit.hexsha
    assert git.Repo(worktree.path).active_branch.name == "factory/2-x"


def test_create_worktree_again_returns_the_same_branch_instead_of_a_second(tmp_path: Path) -> None:
    user = tmp_path / "user"
    make_user_repo(user)
    clone = ensure_clone(str(user), tmp_path / "clones")
    path = tmp_path / "w"
    first = create_worktree(clone, base_branch="main", branch="factory/3-x", path=path)
    again = create_worktree(clone, base_branch="main", branch="factory/3-x", path=path)
    assert again.reused and again.path == first.path
    remove_worktree(first)
    recreated = create_worktree(clone, base_branch="main", branch="factory/3-x", path=path)
    assert recreated.reused  # the branch survived removal of its worktree
    branches = git.Repo(clone).git.for_each_ref("--format=%(refname)", "refs/heads")
    assert branches.splitlines() == ["refs/heads/factory/3-x"]


def test_keep_leaves_the_worktree_for_debugging(tmp_path: Path) -> None:
    user = tmp_path / "user"
    make_user_repo(user)
    clone = ensure_clone(str(user), tmp_path / "clones")
    worktree = create_worktree(clone, base_branch="main", branch="factory/4-x", path=tmp_path / "w")
    assert remove_worktree(worktree, keep=True) is False
    assert (worktree.path / "app.py").exists()
    assert remove_worktree(worktree) is True
    assert not worktree.path.exists()


def test_ensure_clone_fetches_new_base_commits(tmp_path: Path) -> None:
    user = tmp_path / "user"
    repo = make_user_repo(user)
    clone = ensure_clone(str(user), tmp_path / "clones")
    (user / "new.py").write_text("y = 2\n")
    repo.index.add(["new.py"])
    newer = repo.index.commit("second").hexsha
    assert ensure_clone(str(user), tmp_path / "clones") == clone
    worktree = create_worktree(clone, base_branch="main", branch="factory/5-x", path=tmp_path / "w")
    assert worktree.base_sha == newer


def test_unknown_base_branch_is_a_clear_error(tmp_path: Path) -> None:
    user = tmp_path / "user"
    make_user_repo(user)
    clone = ensure_clone(str(user), tmp_path / "clones")
    with pytest.raises(GitError, match="base branch 'develop' does not exist.*base_branch"):
        create_worktree(clone, base_branch="develop", branch="factory/6-x", path=tmp_path / "w")


def test_missing_repository_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="does not exist"):
        ensure_clone(str(tmp_path / "nowhere"), tmp_path / "clones")


def test_read_from_base_ignores_the_working_branch(tmp_path: Path) -> None:
    user = tmp_path / "user"
    make_user_repo(user)
    clone = ensure_clone(str(user), tmp_path / "clones")
    worktree = create_worktree(clone, base_branch="main", branch="factory/7-x", path=tmp_path / "w")
    (worktree.path / "factory.toml").write_text("[repo]\nautonomy = 'L3'\n")
    wt_repo = git.Repo(worktree.path)
    wt_repo.git.add(all=True)
    wt_repo.git.commit(
        "-m",
        "loosen gates",
        env={
            "GIT_AUTHOR_NAME": "a",
            "GIT_AUTHOR_EMAIL": "a@b",
            "GIT_COMMITTER_NAME": "a",
            "GIT_COMMITTER_EMAIL": "a@b",
        },
    )
    assert read_from_base(clone, "main", "factory.toml") == "[repo]\nbase_branch = 'main'\n"
    assert read_from_base(clone, "main", "CODEOWNERS") is None
    assert read_from_base(user, "main", "app.py") == "print('hello')\n"
    with pytest.raises(GitError, match="not a path inside"):
        read_from_base(clone, "main", "../etc/passwd")
    with pytest.raises(GitError, match="base branch 'nope' not found"):
        read_from_base(clone, "nope", "factory.toml")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown files to another uid")
def test_git_tolerates_worktree_owned_by_the_sandbox_uid(tmp_path: Path) -> None:
    user = tmp_path / "user"
    make_user_repo(user)
    clone = ensure_clone(str(user), tmp_path / "clones")
    worktree = create_worktree(clone, base_branch="main", branch="factory/8-x", path=tmp_path / "w")
    (worktree.path / "new.py").write_text("z = 3\n")
    for path in [worktree.path, *worktree.path.rglob("*")]:
        os.chown(path, 10_001, 10_001, follow_symlinks=False)
    plain = subprocess.run(["git", "status"], cwd=worktree.path, capture_output=True, text=True)
    assert "dubious ownership" in plain.stderr  # git alone would refuse this worktree
    from factory.git import commit_step

    outcome = commit_step(worktree, message="add z", run_id="r8", step="code-1", ticket_ref="t")
    assert outcome.created and outcome.sha


def test_concurrent_runs_share_one_clone_safely(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    user = tmp_path / "user"
    make_user_repo(user)

    def one_run(index: int) -> str:
        clone = ensure_clone(str(user), tmp_path / "clones")
        worktree = create_worktree(
            clone, base_branch="main", branch=f"factory/{index}-x", path=tmp_path / f"w{index}"
        )
        remove_worktree(worktree)
        return worktree.branch

    with ThreadPoolExecutor(max_workers=6) as pool:
        branches = sorted(pool.map(one_run, range(6)))
    assert branches == sorted(f"factory/{index}-x" for index in range(6))
    clone = ensure_clone(str(user), tmp_path / "clones")
    assert not clone.with_name(clone.name + ".partial").exists()


def test_resumed_branch_keeps_its_fork_point_when_base_moves(tmp_path: Path) -> None:
    user = tmp_path / "user"
    repo = make_user_repo(user)
    fork = repo.head.commit.hexsha
    clone = ensure_clone(str(user), tmp_path / "clones")
    first = create_worktree(clone, base_branch="main", branch="factory/9-x", path=tmp_path / "w")
    remove_worktree(first)
    (user / "later.py").write_text("later = 1\n")
    repo.index.add(["later.py"])
    repo.index.commit("base moves on")
    ensure_clone(str(user), tmp_path / "clones")
    resumed = create_worktree(clone, base_branch="main", branch="factory/9-x", path=tmp_path / "w")
    assert resumed.reused and resumed.base_sha == fork


@pytest.mark.parametrize("planted", ["directory", "symlink", "other file", "removed"])
def test_a_git_entry_a_sandboxed_command_replaced_is_put_back_and_said(
    tmp_path: Path, planted: str
) -> None:
    from factory.git.worktree import head_sha, restore_git_entry

    user = tmp_path / "user"
    make_user_repo(user)
    clone = ensure_clone(str(user), tmp_path / "clones")
    worktree = create_worktree(clone, base_branch="main", branch="factory/1-x", path=tmp_path / "w")
    entry = worktree.path / ".git"
    original = entry.read_text()
    assert restore_git_entry(worktree) is None  # as git wrote it: nothing to say
    marker = tmp_path / "host-ran-it"
    entry.unlink()
    if planted == "directory":
        (entry / "hooks").mkdir(parents=True)
        hook = entry / "hooks" / "post-checkout"
        hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
        hook.chmod(0o755)
        (entry / "config").write_text(f"[core]\n\tfsmonitor = touch {marker}\n")
    elif planted == "symlink":
        entry.symlink_to(tmp_path / "elsewhere")
    elif planted == "other file":
        entry.write_text("gitdir: /tmp/attacker\n")
    # Host git never reads the planted entry, before or after it is put back.
    assert head_sha(worktree) == git.Repo(user).head.commit.hexsha

    found = restore_git_entry(worktree)

    assert found is not None
    expected = {
        "directory": "a directory holding config, hooks/post-checkout",
        "symlink": f"a symlink to {tmp_path / 'elsewhere'}",
        "other file": "a file pointing elsewhere",
        "removed": "nothing (removed)",
    }[planted]
    assert found == expected
    assert entry.is_file() and not entry.is_symlink() and entry.read_text() == original
    assert not marker.exists()
    assert restore_git_entry(worktree) is None
