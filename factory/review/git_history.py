"""What reached a repository's base branch, read from git: deployments, who made them, reverts.

Every commit on the base branch's first-parent line is a deployment (the default definition in
docs/review.md). A deployment is the factory's when it, or a commit it merged, carries a
`Factory-Run` trailer; everything else is a human change. Reverts are `git revert` commits
("This reverts commit <sha>"), found by the one reader of them, `track_record.revert_records`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from factory.git import factory_git, run_git
from factory.git.base_reader import resolve_base
from factory.governance.track_record import revert_records
from factory.support.utc import as_utc
from policies.models import RevertRecord

FIELD, RECORD = "\x1f", "\x1e"
PULL_SUBJECT = re.compile(r"^Merge pull request #(\d+)\b|\(#(\d+)\)\s*$")
"""What a forge writes in a merged pull request's subject: GitHub's merge commit, or its
squash-and-merge `(#N)` suffix."""
FORMAT = FIELD.join(
    ["%H", "%P", "%aI", "%cI", "%(trailers:key=Factory-Run,valueonly,separator=%x2C)", "%s"]
)


@dataclass
class GitCommit:
    sha: str
    parents: list[str]
    authored: datetime
    committed: datetime
    factory_run: str | None
    subject: str


@dataclass
class GitDeployment:
    sha: str
    at: datetime
    first_commit_at: datetime
    factory_run: str | None
    subject: str
    shas: set[str] = field(default_factory=set)
    """The deployment itself and every commit it brought (a merge's branch)."""
    last_branch_commit_at: datetime | None = None
    """A merge's newest brought commit (commit time): when its branch was last pushed to."""
    pull_number: int | None = None
    """The pull request its subject names (`Merge pull request #N`, `... (#N)`)."""

    @property
    def is_pull_request(self) -> bool:
        """A merge of a branch, or a forge's squash of a pull request; not a direct commit."""
        return self.last_branch_commit_at is not None or self.pull_number is not None


@dataclass
class GitHistory:
    deployments: list[GitDeployment]
    reverts: list[RevertRecord]


def read_history(repo: Path, base: str, since: datetime) -> GitHistory:
    """Deployments on `base` since `since` (commit time), with reverts over the same span."""
    runner = factory_git(repo)
    ref = resolve_base(runner, repo, base)
    raw = run_git(runner, "log", f"--format={FORMAT}{RECORD}", ref, action="read history")
    commits: dict[str, GitCommit] = {}
    for record in raw.split(RECORD):
        parts = record.strip("\n").split(FIELD)
        if len(parts) != 6:
            continue
        sha, parents, authored, committed, trailer, subject = parts
        commits[sha] = GitCommit(
            sha=sha,
            parents=parents.split(),
            authored=as_utc(datetime.fromisoformat(authored)),
            committed=as_utc(datetime.fromisoformat(committed)),
            factory_run=(trailer.split(",")[0].strip() or None),
            subject=subject,
        )
    line = run_git(runner, "log", "--first-parent", "--format=%H", ref, action="read history")
    mainline = line.split()
    on_mainline = set(mainline)
    deployments: list[GitDeployment] = []
    for sha in mainline:
        commit = commits[sha]
        if commit.committed < since:
            break
        branch = _branch_commits(commit, commits, on_mainline)
        brought = [commit, *branch]
        run = next((c.factory_run for c in brought if c.factory_run), None)
        named = PULL_SUBJECT.search(commit.subject)
        deployments.append(
            GitDeployment(
                sha=sha,
                at=commit.committed,
                first_commit_at=min(c.authored for c in brought),
                factory_run=run,
                subject=commit.subject,
                shas={c.sha for c in brought},
                last_branch_commit_at=max((c.committed for c in branch), default=None),
                pull_number=int(named.group(1) or named.group(2)) if named else None,
            )
        )
    deployments.reverse()
    return GitHistory(deployments=deployments, reverts=revert_records(repo, base, since))


def _branch_commits(
    merge: GitCommit, commits: dict[str, GitCommit], mainline: set[str]
) -> list[GitCommit]:
    """The commits a merge brought in: reachable from its other parents, not from the mainline."""
    found: list[GitCommit] = []
    stack = list(merge.parents[1:])
    seen: set[str] = set()
    while stack:
        sha = stack.pop()
        if sha in seen or sha in mainline or sha not in commits:
            continue
        seen.add(sha)
        commit = commits[sha]
        found.append(commit)
        stack.extend(commit.parents)
    return found
