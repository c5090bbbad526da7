"""The morning report's "pull requests maintained": what the factory did to its open pull
requests while the sweep ran (rebased, follow-up rounds, CI fixed, reconciled), read from the
runs' audit events in the sweep's window (`store.pull_request_life.maintained_between`), so the
section says what was recorded, whichever path (the sweep's maintenance pass, a webhook job,
`factory pr sync`) did it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from factory.store import Store
from factory.store.pull_request_life import REVIEW, PullRequestLife


class MaintainedPull(BaseModel):
    """One pull request and what was done to it in the window."""

    repo: str
    number: int | None
    run_id: str
    rebased: int = 0
    base_merged: int = 0
    """Base updates by merging the base in (a person's commits on the branch forbid a rebase)."""
    conflicts: int = 0
    followups: list[str] = Field(default_factory=list)
    """Each review round: `round 2: pushed`."""
    fix_rounds: list[str] = Field(default_factory=list)
    """Each CI fix or conflict round: `ci round 3: pushed`."""
    ci_fixed: int = 0
    """CI fix rounds that pushed a fix."""
    ci_state: str | None = None
    """The checks' state as last read in the window."""
    ci_reruns: int = 0
    ci_infrastructure: int = 0
    replies: int = 0
    refused: list[str] = Field(default_factory=list)
    reconciled: str | None = None
    """`closed: a person closed the PR (by alice)`, when the world changed under the run."""


class PullsMaintained(BaseModel):
    pulls: list[MaintainedPull] = Field(default_factory=list)

    @property
    def rebased(self) -> int:
        return sum(1 for pull in self.pulls if pull.rebased or pull.base_merged)

    @property
    def followups(self) -> int:
        return sum(len(pull.followups) for pull in self.pulls)

    @property
    def ci_fixed(self) -> int:
        return sum(pull.ci_fixed for pull in self.pulls)

    @property
    def reconciled(self) -> int:
        return sum(1 for pull in self.pulls if pull.reconciled)


def pulls_maintained(
    store: Store, since: datetime, until: datetime | None = None
) -> PullsMaintained:
    """The pull requests maintained from `since` (a sweep's start) to `until` (its end)."""
    found = store.pull_request_life.maintained_between(since, until)
    return PullsMaintained(pulls=[_maintained(entry.repo, entry.life) for entry in found])


def _maintained(repo: str, life: PullRequestLife) -> MaintainedPull:
    review = [r for r in life.rounds if r.kind == REVIEW]
    fixes = [r for r in life.rounds if r.kind != REVIEW]
    reconciled = None
    if life.reconciled is not None:
        said = life.reconciled
        by = f" (by {said['by']})" if said.get("by") else ""
        reconciled = f"{said.get('ending') or 'ended'}: {said.get('reason') or 'no reason'}{by}"
    return MaintainedPull(
        repo=repo,
        number=life.number,
        run_id=life.run_id,
        rebased=life.rebases,
        base_merged=life.base_merges,
        conflicts=life.conflicts,
        followups=[f"round {r.number}: {r.outcome or 'not finished'}" for r in review],
        fix_rounds=[f"{r.kind} round {r.number}: {r.outcome or 'not finished'}" for r in fixes],
        ci_fixed=sum(1 for r in fixes if r.kind == "ci" and r.outcome in ("pushed", "merged")),
        ci_state=life.ci_state,
        ci_reruns=life.ci_reruns,
        ci_infrastructure=life.ci_infrastructure,
        replies=life.replies,
        refused=list(life.refused),
        reconciled=reconciled,
    )
