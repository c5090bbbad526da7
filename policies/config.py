"""Typed configuration of autonomy and gate policies, per repository."""

from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class AutonomyLevel(StrEnum):
    """L0 plan only, L1 pull request always, L2 merge low-risk, L3 merge what passes every gate."""

    L0 = "L0"
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"

    @property
    def rank(self) -> int:
        return int(self.value[1])


class AutonomyRange(BaseModel):
    """The band the effective level may move in as the factory earns (or loses) trust."""

    model_config = ConfigDict(extra="forbid")

    min: AutonomyLevel = AutonomyLevel.L1
    max: AutonomyLevel = AutonomyLevel.L1

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min.rank > self.max.rank:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self


class PolicySpec(BaseModel):
    """One policy to apply: a built-in name or `package.module:callable`, with parameters."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)


class EarnedAutonomyRule(BaseModel):
    """How the effective level moves inside the configured range with the factory's record."""

    model_config = ConfigDict(extra="forbid")

    promote_after_clean_merges: int = Field(default=5, gt=0, le=10_000)
    """Consecutive clean merges (no revert, incident or human rejection in between) per step up."""
    max_revert_rate: float = Field(default=0.10, ge=0.0, le=1.0)
    """Promotion also needs (reverts + incidents) / merges in the window strictly below this."""
    window_days: int = Field(default=30, gt=0, le=3650)
    """The trailing window the revert rate is measured over."""
    rejection_resets_streak: bool = True
    """A PR closed or rejected by a human starts the clean streak over (it never demotes)."""
    merge_after_changes: Literal["hold", "count", "reset"] = "hold"
    """A merge after a person asked for changes: `hold` neither extends nor restarts the clean
    streak, `count` counts it as a clean merge, `reset` restarts the streak (never demotes)."""


MAX_POINTS = 1000


class EvidenceRule(BaseModel):
    """`[repos."x".autonomy_evidence]`: promotion above L1 needs a passing eval (docs/eval.md).

    An eval passes when it finished under the current configuration hash with at least
    `min_tasks` tasks, a resolve rate of at least `min_resolved` and a false merge rate of at
    most `max_false_merge` (point estimates over every judged attempt)."""

    model_config = ConfigDict(extra="forbid")

    min_resolved: float = Field(default=0.6, ge=0.0, le=1.0)
    """The least share of judged attempts the hidden tests must call resolved."""
    max_false_merge: float = Field(default=0.0, ge=0.0, le=1.0)
    """The most share of judged attempts L3 would have merged although they were unresolved."""
    min_tasks: int = Field(default=20, gt=0, le=1_000_000)
    """The fewest distinct tasks the eval must have run."""


class RiskRule(BaseModel):
    """The risk score that decides whether L2 may merge by itself. Points add up; see docs."""

    model_config = ConfigDict(extra="forbid")

    low_risk_max_score: int = Field(default=3, ge=0, le=MAX_POINTS)
    """A change is low risk when its score is at most this."""
    lines_per_point: int = Field(default=100, gt=0, le=10**9)
    """One point per started block of this many changed lines (added + removed)."""
    files_per_point: int = Field(default=5, gt=0, le=10**9)
    """One point per started block of this many touched files."""
    sensitive_path_points: int = Field(default=3, ge=0, le=MAX_POINTS)
    """Points when a protected, CI, governance or owner-gated path is touched."""
    dependency_change_points: int = Field(default=3, ge=0, le=MAX_POINTS)
    """Points when a dependency manifest or lock file changes."""
    deletion_points: int = Field(default=1, ge=0, le=MAX_POINTS)
    """Points when any file is deleted."""
    binary_points: int = Field(default=1, ge=0, le=MAX_POINTS)
    """Points when any binary file changes (its content cannot be reviewed as text)."""
