"""A repository's track record: what the factory merged there and what went wrong later.

Sources, each real:
- merged PRs and PRs closed by humans: the store's pull_requests table (a PR the factory
  withdrew because its ticket was closed, a run ended `ticket_closed`, is no one's rejection);
- reverts: commits on the base branch whose message says "This reverts commit <sha>"
  (what `git revert` writes), read with the git CLI under the factory's git rules;
- incidents: issues labelled `incident` whose body says `root cause: <sha>` (as DORA's
  fourkeys does), passed in as records by whoever fetched them from the forge.
`policies.autonomy.assess_autonomy` turns the record into an effective level.
"""

import re
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from factory.git.base_reader import resolve_base
from factory.git.command import factory_git, run_git
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
    status: str
    merged_sha: str | None
    updated_at: datetime
    run_id: str | None


class PullRequestSource(Protocol):
    """The store's pull requests (`Store.pull_requests`)."""

    def all(self, repo: str | None = None) -> Sequence[PullRequestRow]: ...


class RunRow(Protocol):
    id: str


class RunSource(Protocol):
    """The store's runs (`Store.runs`)."""

    def latest(
        self, status: str | None = None, repo: str | None = None, limit: int = 50
    ) -> Sequence[RunRow]: ...


def withdrawn_runs(runs: RunSource, repo: str) -> frozenset[str]:
    """Runs whose pull request the factory closed because the ticket was closed or lost its
    label (`ticket_closed`): not a person's verdict on the change."""
    ended = runs.latest(status="ticket_closed", repo=repo, limit=100_000)
    return frozenset(run.id for run in ended)


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


def store_history(
    pull_requests: PullRequestSource, repo: str, withdrawn: Collection[str] = ()
) -> tuple[list[MergedChange], list[RejectionRecord]]:
    """Merged factory PRs (with their merge commit) and PRs humans closed without merging
    (not those of the `withdrawn` runs, which the factory closed itself)."""
    merges: list[MergedChange] = []
    rejections: list[RejectionRecord] = []
    for pull in pull_requests.all(repo=repo):
        at = pull.updated_at
        if pull.status == "merged" and pull.merged_sha:
            merges.append(MergedChange(sha=pull.merged_sha, merged_at=at, pr=pull.number))
        elif pull.status == "closed" and pull.run_id not in withdrawn:
            rejections.append(RejectionRecord(pr=pull.number, at=at, reason="closed by a human"))
    return merges, rejections


def gather_track_record(
    pull_requests: PullRequestSource,
    repo: str,
    repo_path: Path | None,
    base: str,
    incidents: Iterable[IncidentIssue] = (),
    since: datetime | None = None,
    withdrawn: Collection[str] = (),
) -> TrackRecord:
    """The whole record for `repo`. Without a local clone (`repo_path` None) no reverts are seen.
    `withdrawn`: runs whose PR the factory closed itself (`withdrawn_runs`)."""
    merges, rejections = store_history(pull_requests, repo, withdrawn)
    reverts = revert_records(repo_path, base, since) if repo_path is not None else []
    return TrackRecord(
        merges=merges,
        reverts=reverts,
        incidents=incident_records(incidents),
        rejections=rejections,
    )
