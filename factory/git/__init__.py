"""Git for runs: cached clones, one worktree per run, idempotent bot commits, safe pushes."""

from factory.git.askpass import askpass_env, install_askpass_helper, scrub
from factory.git.base_reader import read_from_base
from factory.git.clones import clone_dir_for, ensure_clone, fetch_clone
from factory.git.command import GitError, factory_git, git_config_env, run_git
from factory.git.commits import (
    BotIdentity,
    CommitOutcome,
    commit_step,
    find_step_commit,
    read_trailers,
)
from factory.git.diffstat import DiffStats, diff_stats
from factory.git.push import push_branch
from factory.git.worktree import (
    Worktree,
    base_ref,
    branch_name,
    create_worktree,
    head_sha,
    remove_worktree,
    slugify,
)

__all__ = [
    "BotIdentity",
    "CommitOutcome",
    "DiffStats",
    "GitError",
    "Worktree",
    "askpass_env",
    "base_ref",
    "branch_name",
    "clone_dir_for",
    "commit_step",
    "create_worktree",
    "diff_stats",
    "ensure_clone",
    "factory_git",
    "fetch_clone",
    "find_step_commit",
    "git_config_env",
    "head_sha",
    "install_askpass_helper",
    "push_branch",
    "read_from_base",
    "read_trailers",
    "remove_worktree",
    "run_git",
    "scrub",
    "slugify",
]
