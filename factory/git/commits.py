"""Commits made by the factory's bot identity, idempotent per run step.

Every commit carries trailers `Factory-Run`, `Factory-Step` and `Ticket`. A step that is
replayed after a crash finds its own earlier commit by those trailers and makes no second one.
"""

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from factory.config.git import BotIdentity
from factory.git.command import GitError, factory_git, run_git
from factory.git.tool_output import exclude_pathspecs
from factory.git.worktree import RunWorktree, base_ref, worktree_git


class CommitOutcome(BaseModel):
    """What `commit_step` did: a new commit, the one already there, or nothing to commit."""

    model_config = ConfigDict(frozen=True)

    sha: str | None
    created: bool


def commit_step(
    worktree: RunWorktree,
    *,
    message: str,
    run_id: str,
    step: str,
    ticket_ref: str,
    identity: BotIdentity | None = None,
) -> CommitOutcome:
    """Commit the worktree's change for one step of a run, at most once per step.

    Tool output (bytecode, caches, coverage; `factory.git.tool_output`) is never staged."""
    existing = find_step_commit(worktree, run_id=run_id, step=step)
    if existing is not None:
        return CommitOutcome(sha=existing, created=False)
    runner = worktree_git(worktree)
    run_git(runner, "add", "--all", "--", *exclude_pathspecs(), action="stage the run's changes")
    staged = run_git(runner, "diff", "--cached", "--name-only", action="list staged changes")
    if not staged:
        return CommitOutcome(sha=None, created=False)
    who = identity or BotIdentity()
    runner.update_environment(
        GIT_AUTHOR_NAME=who.name,
        GIT_AUTHOR_EMAIL=who.email,
        GIT_COMMITTER_NAME=who.name,
        GIT_COMMITTER_EMAIL=who.email,
    )
    summary = message.strip() or f"{step} for {ticket_ref}"
    run_git(
        runner,
        "commit",
        "--quiet",
        "--no-verify",
        "--cleanup=strip",
        "-m",
        summary,
        "--trailer",
        f"Factory-Run: {run_id}",
        "--trailer",
        f"Factory-Step: {step}",
        "--trailer",
        f"Ticket: {_one_line(ticket_ref)}",
        action=f"commit step {step}",
    )
    sha = run_git(runner, "rev-parse", "HEAD", action="read the new commit")
    return CommitOutcome(sha=sha, created=True)


def find_step_commit(worktree: RunWorktree, *, run_id: str, step: str) -> str | None:
    """The commit on the run's branch (since its base) made for this run id and step."""
    runner = worktree_git(worktree)
    log = run_git(
        runner,
        "log",
        "--format=%H%x00%(trailers:key=Factory-Run,key=Factory-Step,valueonly,separator=%x01)",
        f"{base_ref(worktree.base_branch)}..HEAD",
        action="read the branch history",
    )
    for line in log.splitlines():
        sha, _, trailers = line.partition("\x00")
        if trailers.split("\x01") == [run_id, step]:
            return sha
    return None


def read_trailers(repo: Path, sha: str) -> dict[str, str]:
    """The trailers of one commit, as a mapping (last value wins)."""
    runner = factory_git(repo)
    raw = run_git(
        runner,
        "log",
        "-1",
        "--format=%(trailers:unfold,only)",
        sha,
        action=f"read trailers of {sha}",
    )
    trailers: dict[str, str] = {}
    for line in raw.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            trailers[key.strip()] = value.strip()
    return trailers


def _one_line(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise GitError("a ticket reference must be a single line")
    return text
