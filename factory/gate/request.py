"""`GateRequest`: what the gate is asked to judge, one object from the caller to the policies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from factory.config import RepoConfig
from policies.config import AutonomyLevel
from policies.models import (
    BudgetLimits,
    DiffSummary,
    ReviewSummary,
    RunCost,
    TestSummary,
    TicketSummary,
    TrackRecord,
)


@dataclass(frozen=True)
class GateRequest:
    """One change in one repository, and the facts of the run (or check) that made it.

    Left as None, `level` means the level earned from the track record, `settings` the
    operator's `[repos.<repo>]` (a run passes the one narrowed by its base branch),
    `clone` the repository's configured `path`, and `track_record` the one read from the
    store and the base branch.
    """

    repo: str
    diff: DiffSummary
    clone: Path | None = None
    level: AutonomyLevel | None = None
    settings: RepoConfig | None = None
    ticket: TicketSummary | None = None
    plan_summary: str = ""
    tests: TestSummary | None = None
    review: ReviewSummary | None = None
    cost: RunCost | None = None
    budget: BudgetLimits | None = None
    track_record: TrackRecord | None = None
    now: datetime | None = None
