"""The data a gate reads (GateContext) and the data it returns (Verdict, Decision).

These models cross the boundary between the factory (which gathers facts with I/O) and the
pure policies, and they are recorded as JSON in `gate.decision` audit events so a past
decision can be replayed later under another configuration.
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from policies.config import AutonomyLevel


class Outcome(StrEnum):
    """One policy's verdict. Ordered: a stricter outcome always wins when verdicts combine."""

    ALLOW = "allow"
    NEEDS_HUMAN = "needs_human"
    REFUSE = "refuse"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Outcome.ALLOW: 0, Outcome.NEEDS_HUMAN: 1, Outcome.REFUSE: 2}


class Verdict(BaseModel):
    """What one policy says about one change, and why."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    reasons: list[str] = Field(default_factory=list)
    policy: str = ""
    """Name of the policy; the engine overwrites it with the configured name."""
    request_reviews_from: list[str] = Field(default_factory=list)
    """Owners (users or teams) whose review the factory should request on the PR."""


class FileChange(BaseModel):
    """One file in the diff."""

    model_config = ConfigDict(extra="forbid")

    path: str
    """Path after the change (for a deletion: the deleted path)."""
    old_path: str | None = None
    """Path before a rename or copy; None otherwise."""
    status: Literal["added", "modified", "deleted", "renamed"] = "modified"
    added: int = Field(default=0, ge=0)
    removed: int = Field(default=0, ge=0)
    binary: bool = False
    added_lines: list[str] = Field(default_factory=list)
    """Texts of added lines, for the secret scan and the test and link checks (a symlink's
    one added line is its target)."""
    removed_lines: list[str] = Field(default_factory=list)
    """Texts of removed lines, for the check that tests are kept."""
    mode: str | None = None
    """The file's git mode after the change when the diff states it (`100644`, `100755`,
    `120000` a symlink, `160000` a submodule); None when unstated or deleted."""


class DiffSummary(BaseModel):
    """The change under review, file by file."""

    model_config = ConfigDict(extra="forbid")

    files: list[FileChange] = Field(default_factory=list)

    @property
    def lines_added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def lines_removed(self) -> int:
        return sum(f.removed for f in self.files)

    @property
    def touched_paths(self) -> list[str]:
        """Every path the change touches, including the old side of renames."""
        paths: list[str] = []
        for change in self.files:
            paths.append(change.path)
            if change.old_path and change.old_path != change.path:
                paths.append(change.old_path)
        return paths


class TestSummary(BaseModel):
    """The tester's report: baseline versus after the change."""

    __test__ = False  # not a pytest test class despite the name
    model_config = ConfigDict(extra="forbid")

    passed: bool
    newly_failing: list[str] = Field(default_factory=list)
    fixed: list[str] = Field(default_factory=list)
    still_failing: list[str] = Field(default_factory=list)
    """Failing before and after: not caused by this change."""
    new_tests_added: int = Field(default=0, ge=0)


class ChecksSummary(BaseModel):
    """The forge's CI on the head being judged: its required checks (every check when the
    repository requires none)."""

    model_config = ConfigDict(extra="forbid")

    sha: str = ""
    state: Literal["green", "pending", "failing", "none"]
    """`none`: the forge reported no check at all for the head."""
    required: list[str] = Field(default_factory=list)
    failing: list[str] = Field(default_factory=list)
    pending: list[str] = Field(default_factory=list)


class ReviewSummary(BaseModel):
    """The reviewer agent's conclusion."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal["approve", "request_changes"]
    findings: list[str] = Field(default_factory=list)


class TicketSummary(BaseModel):
    """What the gate needs of the ticket. Its text is untrusted and never interpreted."""

    model_config = ConfigDict(extra="forbid")

    ref: str = ""
    title: str = ""
    labels: list[str] = Field(default_factory=list)
    kind: str | None = None
    """`bug`, `feature`, `chore`... when the intake knows it."""


class RunCost(BaseModel):
    """What the run has spent so far."""

    model_config = ConfigDict(extra="forbid")

    usd: float | None = Field(default=0.0, ge=0)
    """None when some model call had no known price: the dollar cost is unknown."""
    tokens: int = Field(default=0, ge=0)
    wall_s: float = Field(default=0.0, ge=0)


class BudgetLimits(BaseModel):
    """The run's limits; None means unlimited."""

    model_config = ConfigDict(extra="forbid")

    max_usd: float | None = None
    max_tokens: int | None = None
    max_wall_s: float | None = None


class MergedChange(BaseModel):
    """A change the factory merged into the base branch."""

    model_config = ConfigDict(extra="forbid")

    sha: str
    merged_at: datetime
    pr: int | None = None
    after_changes: bool = False
    """A person asked for a change before it merged (a review round, run or refused, or a
    review requesting changes): not a clean merge (`EarnedAutonomyRule.merge_after_changes`)."""


class RevertRecord(BaseModel):
    """A commit on the base branch that reverts an earlier one ("This reverts commit <sha>")."""

    model_config = ConfigDict(extra="forbid")

    revert_sha: str
    reverted_sha: str
    at: datetime


class IncidentRecord(BaseModel):
    """An issue labelled incident whose body names a root-cause commit."""

    model_config = ConfigDict(extra="forbid")

    ref: str
    root_cause_sha: str
    at: datetime


class RejectionRecord(BaseModel):
    """A factory PR closed or rejected by a human."""

    model_config = ConfigDict(extra="forbid")

    pr: int
    at: datetime
    reason: str = ""


class EvalEvidence(BaseModel):
    """The latest finished eval under the repository's current configuration, if any."""

    model_config = ConfigDict(extra="forbid")

    config_hash: str
    eval_id: str | None = None
    tasks: int = 0
    resolved_rate: float | None = None
    false_merge_rate: float | None = None


class TrackRecord(BaseModel):
    """The factory's history in one repository: what it merged and what went wrong later."""

    model_config = ConfigDict(extra="forbid")

    merges: list[MergedChange] = Field(default_factory=list)
    reverts: list[RevertRecord] = Field(default_factory=list)
    incidents: list[IncidentRecord] = Field(default_factory=list)
    rejections: list[RejectionRecord] = Field(default_factory=list)


class GateContext(BaseModel):
    """Everything the policies may look at. Built by the factory; read-only to policies."""

    model_config = ConfigDict(extra="forbid")

    repo: str
    ticket: TicketSummary = Field(default_factory=TicketSummary)
    plan_summary: str = ""
    diff: DiffSummary = Field(default_factory=DiffSummary)
    tests: TestSummary | None = None
    """None when no test run happened: tests_green then asks for a human."""
    checks: ChecksSummary | None = None
    """The forge's checks on the pushed head; None when they were not read (the head is not
    on the forge yet, or the forge has no CI). At L2 and L3 delivery merges only when they
    are green (`factory/pulls/ci.py`)."""
    review: ReviewSummary | None = None
    cost: RunCost = Field(default_factory=RunCost)
    budget: BudgetLimits = Field(default_factory=BudgetLimits)
    level: AutonomyLevel = AutonomyLevel.L1
    """The effective autonomy level for this run (already earned or lost)."""
    track_record: TrackRecord = Field(default_factory=TrackRecord)
    owners: dict[str, list[str]] = Field(default_factory=dict)
    """Owners of each touched path (CODEOWNERS, catalog-info.yaml), read from the base branch."""
    halted: bool = False
    halt_reason: str | None = None
    policy_sources: list[str] = Field(default_factory=list)
    """Repo paths of the repo's own policy modules: changing them is a governance change."""
    now: datetime = Field(default_factory=lambda: datetime.now(UTC))
    """Evaluation time (time-zone aware), so time-based policies stay pure and replayable."""


class DecisionKind(StrEnum):
    """What delivery does. Ranked from most to least autonomous by `strictness`."""

    MERGE = "merge"
    PULL_REQUEST = "pull_request"
    NEEDS_HUMAN = "needs_human"
    PLAN_ONLY = "plan_only"
    REFUSE = "refuse"

    @property
    def strictness(self) -> int:
        return list(DecisionKind).index(self)


class RiskFactor(BaseModel):
    """One contribution to the risk score."""

    model_config = ConfigDict(extra="forbid")

    name: str
    points: int
    detail: str


class RiskScore(BaseModel):
    """The documented risk score that gates merging by itself at L2."""

    model_config = ConfigDict(extra="forbid")

    score: int
    low: bool
    factors: list[RiskFactor] = Field(default_factory=list)


class Decision(BaseModel):
    """The gate's answer, with every verdict that led to it."""

    model_config = ConfigDict(extra="forbid")

    decision: DecisionKind
    level: AutonomyLevel
    outcome: Outcome
    """The strictest verdict."""
    draft: bool = False
    """Open the PR as a draft (some policy wants a human)."""
    verdicts: list[Verdict] = Field(default_factory=list)
    risk: RiskScore
    reasons: list[str] = Field(default_factory=list)
    """Why this decision, in a sentence or two, for the PR body and the audit log."""
    request_reviews_from: list[str] = Field(default_factory=list)
