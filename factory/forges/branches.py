"""A pull request's branch as the forge has it: its head, whose commits are on it, and whether
it still exists; and the one rule for how an updated branch may go back.

Everything is read from the factory's cached clone right after a fetch from the forge (the
clone's `refs/remotes/origin/*` are the forge's branches), so the local forge and GitHub are
read the same way, with real git.

The rule (docs/pull-requests.md, "Base branch and conflicts"): a branch whose commits since
its base are all the factory's (author and committer are the `[git]` bot identity) may be
rebased and pushed with a lease on the head the factory read; a branch anyone else pushed to
gets the base merged in and a normal push, so a person's commit is never overwritten.
"""

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from factory.config.git import BotIdentity
from factory.forges.base import Forge
from factory.git import ensure_clone, run_git
from factory.git.command import GitError, factory_git


class BranchCommit(BaseModel):
    """One commit of a branch since its base, with who wrote and who committed it."""

    model_config = ConfigDict(frozen=True)

    sha: str
    author_name: str
    author_email: str
    committer_name: str
    committer_email: str
    subject: str

    def by(self, identity: BotIdentity) -> bool:
        """Whether the factory (this bot identity) both wrote and committed it."""
        bot = identity.email.lower()
        return self.author_email.lower() == bot and self.committer_email.lower() == bot


def fresh_clone(forge: Forge, cache: Path) -> Path:
    """The factory's clone of the forge's repository, fetched now."""
    source, env = forge.clone_source()
    return ensure_clone(source, cache, env=env)


def branch_head(clone: Path, branch: str) -> str | None:
    """The commit `branch` points at on the forge (as of the clone's last fetch); None when
    the branch does not exist there (deleted, or never pushed)."""
    try:
        return run_git(
            factory_git(clone),
            "rev-parse",
            "--verify",
            "--quiet",
            f"refs/remotes/origin/{branch}^{{commit}}",
            action=f"find {branch}",
        )
    except GitError:
        return None


def branch_deleted(clone: Path, branch: str) -> bool:
    """Whether the forge no longer has `branch` (as of the clone's last fetch)."""
    return branch_head(clone, branch) is None


def branch_commits(clone: Path, base: str, head: str) -> list[BranchCommit]:
    """The commits reachable from `head` and not from `base`, oldest first, with authors."""
    log = run_git(
        factory_git(clone),
        "log",
        "--reverse",
        "--format=%H%x00%an%x00%ae%x00%cn%x00%ce%x00%s%x1e",
        f"{base}..{head}",
        action="list the branch's commits",
        strip=False,
    )
    commits: list[BranchCommit] = []
    for entry in log.split("\x1e"):
        fields = entry.strip("\n").split("\0")
        if len(fields) < 6:
            continue
        sha, author_name, author_email, committer_name, committer_email, subject = fields[:6]
        commits.append(
            BranchCommit(
                sha=sha,
                author_name=author_name,
                author_email=author_email,
                committer_name=committer_name,
                committer_email=committer_email,
                subject=subject,
            )
        )
    return commits


def others_commits(commits: list[BranchCommit], identity: BotIdentity) -> list[BranchCommit]:
    """The commits someone other than the factory wrote or committed: while any, the branch is
    never rebased (a rebase would rewrite them, and its push would replace them)."""
    return [commit for commit in commits if not commit.by(identity)]


def push_rebased(forge: Forge, clone: Path, branch: str, *, expected_sha: str) -> str:
    """Push the clone's rebased `branch` over the forge's, only while the forge's branch still
    points at `expected_sha`, the head whose commits were all checked to be the factory's."""
    return forge.push_branch(clone, branch, expected_sha=expected_sha)


def push_forward(forge: Forge, clone: Path, branch: str) -> str:
    """A normal push (a fast-forward: the base merged in on top of the forge's head)."""
    return forge.push_branch(clone, branch)
