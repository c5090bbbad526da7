"""A repository's track record: what the factory merged there and what went wrong later.

Sources, each real:
- merged PRs and PRs closed by people: the runs' audit chains (`merge.done`, `pr.merged`,
  `pr.closed`, `approval.rejected`, `pull.reconciled`, folded by `store.pull_request_life`),
  which every forge's outcomes reach, then the store's pull_requests table (the local forge's
  own pull requests) for any PR no run recorded the end of; each PR counted once. Whether a
  person asked for changes before a merge: the same life;
- reverts: commits on the base branch whose message says "This reverts commit <sha>"
  (what `git revert` writes), read with the git CLI under the factory's git rules;
- incidents: issues labelled `incident` whose body says `root cause: <sha>` (as DORA's
  fourkeys does), passed in as records by whoever fetched them from the forge.
`policies.autonomy.assess_autonomy` turns the record into an effective level.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from factory.git.base_reader import resolve_base
from factory.git.command import factory_git, run_git
from factory.store import RunStatus
from factory.store.pull_request_life import (
    ASKED_KINDS,
    CLOSED_KINDS,
    MERGED_KINDS,
    OPENED_KINDS,
    PullRequestLife,
)
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
HUMAN_CLOSE = "closed by a human"


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
class PullEnding:
    """How one run's pull request ended, as the run's audit chain recorded it."""

    run_id: str
    number: int | None
    merged_sha: str | None = None
    merged_at: datetime | None = None
    """`merge.done` (the factory merged) or `pr.merged` (a person did, at the forge's time)."""
    closed_at: datetime | None = None
    """`pr.closed` (a person closed it, or deleted its branch) or `approval.rejected`."""
    changes_asked: bool = False
    """A person asked for changes before it merged (`PullRequestLife.changes_asked`)."""
    withdrawn: bool = False
    """The factory closed it because its ticket was closed or lost its label
    (`pull.reconciled` ending `ticket_closed`): nobody rejected the change."""


@dataclass(frozen=True)
class PullLives:
    """What the runs' audit chains say about a repository's pull requests, for its record."""

    endings: Mapping[str, PullEnding] = field(default_factory=dict)
    """By run id: every run of the repository whose pull request ended."""


ENDED_STATUSES = (
    RunStatus.MERGED,
    RunStatus.CLOSED,
    RunStatus.REJECTED,
    RunStatus.TICKET_CLOSED,
)
"""Statuses of runs whose pull request ended: merged, closed or rejected by a person,
withdrawn by the factory."""

ENDING_KINDS = tuple(sorted({*OPENED_KINDS, *MERGED_KINDS, *CLOSED_KINDS, *ASKED_KINDS}))
"""The events that tell how a pull request ended and whether a person asked changes of it."""


def store_history(
    pull_requests: PullRequestSource, repo: str, lives: PullLives = PullLives()
) -> tuple[list[MergedChange], list[RejectionRecord]]:
    """Merged factory PRs (with their merge commit; `after_changes` when a person asked for
    changes first) and PRs people closed without merging, each PR once.

    The runs' events come first: they are the record on every forge (GitHub's merges and
    closes reach the store only there). The store's pull requests table, which holds the
    local forge's pull requests, adds those no run recorded the end of. A merge with no known
    merge commit is left out: no revert or incident could ever be traced to it."""
    merges: list[MergedChange] = []
    rejections: list[RejectionRecord] = []
    counted: set[int] = set()
    for ending in lives.endings.values():
        if ending.number is None or ending.number in counted:
            continue
        if ending.merged_at is not None and ending.merged_sha:
            merges.append(
                MergedChange(
                    sha=ending.merged_sha,
                    merged_at=ending.merged_at,
                    pr=ending.number,
                    after_changes=ending.changes_asked,
                )
            )
        elif ending.closed_at is not None and ending.merged_at is None and not ending.withdrawn:
            rejections.append(
                RejectionRecord(pr=ending.number, at=ending.closed_at, reason=HUMAN_CLOSE)
            )
        else:
            continue
        counted.add(ending.number)
    for pull in pull_requests.all(repo=repo):
        known = lives.endings.get(pull.run_id) if pull.run_id else None
        at = pull.updated_at
        if pull.number in counted or (known is not None and known.withdrawn):
            continue
        if pull.status == "merged" and pull.merged_sha:
            after = known is not None and known.changes_asked
            merges.append(
                MergedChange(sha=pull.merged_sha, merged_at=at, pr=pull.number, after_changes=after)
            )
        elif pull.status == "closed":
            rejections.append(RejectionRecord(pr=pull.number, at=at, reason=HUMAN_CLOSE))
    return merges, rejections


def pull_lives(store: Store, repo: str) -> PullLives:
    """How each of the repository's ended runs saw its pull request end, read from the runs'
    chains (`store.pull_request_life`): the runs whose status says it ended, and the runs of
    the pull requests table's merged and closed rows."""
    runs = [
        run.id
        for status in ENDED_STATUSES
        for run in store.runs.latest(status=status, repo=repo, limit=100_000)
    ]
    runs += [
        pull.run_id
        for pull in store.pull_requests.all(repo=repo)
        if pull.run_id is not None and pull.status in ("merged", "closed")
    ]
    lives = store.pull_request_life.of_runs(runs, ENDING_KINDS)
    return PullLives(endings={run_id: _ending(life) for run_id, life in lives.items()})


def _ending(life: PullRequestLife) -> PullEnding:
    reconciled = life.reconciled or {}
    return PullEnding(
        run_id=life.run_id,
        number=life.number,
        merged_sha=life.merged_sha,
        merged_at=life.merged_at,
        closed_at=life.closed_at,
        changes_asked=life.changes_asked,
        withdrawn=reconciled.get("ending") == TICKET_CLOSED,
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
