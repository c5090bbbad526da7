"""Git for runs: cached clones, one worktree per run, idempotent bot commits, safe pushes.

- `command`: running git under the factory's rules (no hooks, no fsmonitor, trusted dirs).
- `clones`: the cached bare clone of each repository, and its lock.
- `worktree`: a run's `RunWorktree` and branch; detached base checkouts; the branch's diff.
- `base_reader`: files on the base branch (`BaseSnapshot`: the base resolved once; `resolve_base`).
- `base_branch`: a repository's base branch (`base_branch_of`), detected when the config omits it.
- `commits`: idempotent step commits with `Factory-Run`/`Factory-Step`/`Ticket` trailers.
- `tool_output`: build and cache output that step commits leave out.
- `push`, `askpass`: pushes that are never forced, with a token only in git's environment.
- `diffstat`: a branch's diff size.
- `rebase`: a branch brought up to date with its moved base (rebase, or the base merged in),
  in a scratch worktree; the conflicting hunks when it conflicts.

Re-exports load on first use (PEP 562 `__getattr__`) so that importing `factory.git`
comes without GitPython. The `TYPE_CHECKING` imports
give type checkers the precise types of the same names.
"""

from typing import TYPE_CHECKING

from factory.support.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from factory.config.git import BotIdentity
    from factory.git.askpass import askpass_env, install_askpass_helper, scrub
    from factory.git.base_reader import read_from_base
    from factory.git.clones import clone_dir_for, ensure_clone, fetch_clone
    from factory.git.command import GitError, factory_git, git_config_env, run_git
    from factory.git.commits import CommitOutcome, commit_step, find_step_commit, read_trailers
    from factory.git.diffstat import DiffStats, diff_stats
    from factory.git.push import push_branch
    from factory.git.worktree import (
        RunWorktree,
        base_ref,
        branch_name,
        create_worktree,
        head_sha,
        remove_worktree,
        slugify,
    )

_HOMES = {
    "factory.git.askpass": ("askpass_env", "install_askpass_helper", "scrub"),
    "factory.git.base_reader": ("read_from_base",),
    "factory.git.clones": ("clone_dir_for", "ensure_clone", "fetch_clone"),
    "factory.git.command": ("GitError", "factory_git", "git_config_env", "run_git"),
    "factory.git.commits": ("CommitOutcome", "commit_step", "find_step_commit", "read_trailers"),
    "factory.git.diffstat": ("DiffStats", "diff_stats"),
    "factory.config.git": ("BotIdentity",),
    "factory.git.push": ("push_branch",),
    "factory.git.worktree": (
        "RunWorktree",
        "base_ref",
        "branch_name",
        "create_worktree",
        "head_sha",
        "remove_worktree",
        "slugify",
    ),
}
__all__ = [
    "BotIdentity",
    "CommitOutcome",
    "DiffStats",
    "GitError",
    "RunWorktree",
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


if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt name stays an error there
    __getattr__, __dir__ = lazy_exports("factory.git", _HOMES, globals())
