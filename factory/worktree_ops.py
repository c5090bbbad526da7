"""What nodes do to a run's worktree between agents: start clean, and show the change."""

from factory.git import Worktree
from factory.git.command import run_git
from factory.git.worktree import worktree_git


def reset_to_head(worktree: Worktree) -> None:
    """Drop uncommitted edits, so a step repeated after a crash starts where it first did."""
    runner = worktree_git(worktree)
    run_git(runner, "reset", "--hard", "--quiet", "HEAD", action="reset the worktree")
    run_git(runner, "clean", "-fdq", action="remove untracked files from the worktree")


def diff_against_base(worktree: Worktree) -> str:
    """The branch's change since it left the base commit (what the reviewer reads)."""
    runner = worktree_git(worktree)
    return run_git(
        runner,
        "diff",
        "--no-color",
        f"{worktree.base_sha}..HEAD",
        action="diff the branch",
        strip=False,
    )
