"""A repository's track record: what the factory merged there and what went wrong later.

Sources, each real:
- merged PRs and PRs closed by humans: the store's pull_requests table; whether a person asked
  for changes before a merge: the run's pull request life (`store.pull_request_life`);
- reverts: commits on the base branch whose message says "This reverts commit <sha>"
  (what `git revert` writes), read with the git CLI under the factory's git rules;
- incidents: issues labelled `incident` whose body says `root cause: <sha>` (as DORA's
  fourkeys does), passed in as records by whoever fetched them from the forge.
`policies.autonomy.assess_autonomy` turns the record into an effective level.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from factory.git.base_reader import resolve_base
from factory.git.command import factory_git, run_git
from factory.store.pull_request_life import ASKED_KINDS
from factory.store.store import Store
from factory.support.utc import as_utc
from policies.models import (
    IncidentRecord,
    MergedChange,
    RejectionRecord,
    RevertRecord,
    TrackRecord,
)

_REVERTS = re.compile(r"This reverts commit ([0-9a-fA-F]{7,40})")
_ROOT_CAUSE = re.compile(r"root[ _-]cause:\s*`?([0-9a-fA-F]{7,40})\b", re.IGNORECASE)
INCIDENT_LABEL = "incident"
TICKET_CLOSED = "ticket_closed"
"""The reconciliation ending of a PR the factory closed because its ticket was closed."""


class IncidentIssue(BaseModel):
    """An issue as a forge reports it; only labelled, attributed ones become incidents."""

    model_config = ConfigDict(extra="forbid")

    ref: str
    body: str = ""
    labels: list[str] = Field(default_factory=list)
    created_at: datetime


class PullRequestRow(Protocol):
    """What this module reads of a store pull request (factory.store.models.PullRequest)."""

    number: int
    run_id: str | None
    status: str
    merged_sha: str | None
    updated_at: datetime


class PullRequestSource(Protocol):
    """The store's pull requests (`Store.pull_requests`)."""

    def all(self, repo: str | None = None) -> Sequence[PullRequestRow]: ...


def revert_records(
    repo_path: Path, base: str, since: datetime | None = None, max_commits: int = 5000
) -> list[RevertRecord]:
    """Revert commits on the base branch (`origin/<base>` in a clone, else `<base>`)."""
    runner = factory_git(repo_path)
    ref = resolve_base(runner, repo_path, base)
    log = run_git(
        runner,
        "log",
        f"--max-count={max_commits}",
        "--format=%H%x00%ct%x00%B%x1e",
        ref,
        action="read the base branch's history",
        strip=False,
    )
    records: list[RevertRecord] = []
    for entry in log.split("\x1e"):
        sha, _, rest = entry.strip("\n").partition("\0")
        if not sha:
            continue
        stamp, _, message = rest.partition("\0")
        at = datetime.fromtimestamp(int(stamp), UTC)
        if since is not None and at < as_utc(since):
            break
        records.extend(
            RevertRecord(revert_sha=sha, reverted_sha=reverted.lower(), at=at)
            for reverted in _REVERTS.findall(message)
        )
    return records


def incident_records(issues: Iterable[IncidentIssue]) -> list[IncidentRecord]:
    """Issues labelled `incident` that name a root-cause commit."""
    records: list[IncidentRecord] = []
    for issue in issues:
        if INCIDENT_LABEL not in {label.lower() for label in issue.labels}:
            continue
        records.extend(
            IncidentRecord(ref=issue.ref, root_cause_sha=sha.lower(), at=as_utc(issue.created_at))
            for sha in _ROOT_CAUSE.findall(issue.body)
        )
    return records


@dataclass(frozen=True)
class PullLives:
    """What the runs' audit chains say about a repository's pull requests, for its record."""

    changes_asked: frozenset[str] = frozenset()
    """Runs whose pull request a person asked for changes before it merged."""
    closed_by_factory: frozenset[str] = frozenset()
    """Runs whose pull request the factory closed because its ticket was closed or lost its
    label (`pull.reconciled` ending `ticket_closed`): nobody rejected the change."""


def store_history(
    pull_requests: PullRequestSource, repo: str, lives: PullLives = PullLives()
) -> tuple[list[MergedChange], list[RejectionRecord]]:
    """Merged factory PRs (with their merge commit; `after_changes` when a person asked for
    changes first) and PRs humans closed without merging."""
    merges: list[MergedChange] = []
    rejections: list[RejectionRecord] = []
    for pull in pull_requests.all(repo=repo):
        at = pull.updated_at
        if pull.status == "merged" and pull.merged_sha:
            after = pull.run_id in lives.changes_asked
            merges.append(
                MergedChange(sha=pull.merged_sha, merged_at=at, pr=pull.number, after_changes=after)
            )
        elif pull.status == "closed" and pull.run_id not in lives.closed_by_factory:
            rejections.append(RejectionRecord(pr=pull.number, at=at, reason="closed by a human"))
    return merges, rejections


def pull_lives(store: Store, repo: str) -> PullLives:
    """Read from the runs' chains: which merges came after requested changes, which closes
    were the factory's own (`store.pull_request_life`)."""
    pulls = [p for p in store.pull_requests.all(repo=repo) if p.run_id is not None]
    runs = [p.run_id for p in pulls if p.status in ("merged", "closed") and p.run_id]
    lives = store.pull_request_life.of_runs(runs, ASKED_KINDS).values()
    return PullLives(
        changes_asked=frozenset(life.run_id for life in lives if life.changes_asked),
        closed_by_factory=frozenset(
            life.run_id
            for life in lives
            if life.reconciled is not None and life.reconciled.get("ending") == TICKET_CLOSED
        ),
    )


def gather_track_record(
    pull_requests: PullRequestSource,
    repo: str,
    repo_path: Path | None,
    base: str,
    incidents: Iterable[IncidentIssue] = (),
    since: datetime | None = None,
    lives: PullLives = PullLives(),
) -> TrackRecord:
    """The whole record for `repo`. Without a local clone (`repo_path` None) no reverts are seen.
    `lives`: what the runs' chains say of their pull requests (`pull_lives`)."""
    merges, rejections = store_history(pull_requests, repo, lives)
    reverts = revert_records(repo_path, base, since) if repo_path is not None else []
    return TrackRecord(
        merges=merges,
        reverts=reverts,
        incidents=incident_records(incidents),
        rejections=rejections,
    )
