"""`[limits]`: how much the whole factory, and each repository, may spend per day and month.

A run's own `[budgets]` bound one run; these bound all of them together, so a backlog of
tickets left running overnight cannot outspend what the operator chose. Windows are calendar
days and months in UTC. At 80% and 90% of a limit an alert is raised (once per window); at
100% the scope is halted by `limits` until a person lifts the halt. See docs/operations.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Window = Literal["day", "month"]
Unit = Literal["usd", "tokens"]
ALERT_PERCENTS = (80, 90)
HALT_PERCENT = 100
MAX_USD = 10**9
"""Larger limits are typing mistakes; an upper bound also refuses `inf` and `nan`."""
MAX_TOKENS = 10**15


class SpendLimits(BaseModel):
    """One scope's limits; a limit left out does not apply."""

    model_config = ConfigDict(extra="forbid")

    daily_usd: float | None = Field(default=None, gt=0, le=MAX_USD, allow_inf_nan=False)
    """US dollars per UTC day (model calls with a known price)."""
    monthly_usd: float | None = Field(default=None, gt=0, le=MAX_USD, allow_inf_nan=False)
    """US dollars per UTC calendar month."""
    daily_tokens: int | None = Field(default=None, gt=0, le=MAX_TOKENS)
    """Tokens per UTC day: every model call counts, priced or not."""
    monthly_tokens: int | None = Field(default=None, gt=0, le=MAX_TOKENS)
    """Tokens per UTC calendar month."""

    def limit(self, window: Window, unit: Unit) -> float | None:
        if window == "day":
            return self.daily_usd if unit == "usd" else self.daily_tokens
        return self.monthly_usd if unit == "usd" else self.monthly_tokens

    @property
    def any(self) -> bool:
        return any(
            self.limit(window, unit) is not None
            for window in ("day", "month")
            for unit in ("usd", "tokens")
        )

    @property
    def has_usd(self) -> bool:
        return self.daily_usd is not None or self.monthly_usd is not None

    @property
    def has_tokens(self) -> bool:
        return self.daily_tokens is not None or self.monthly_tokens is not None


class AlertIssue(BaseModel):
    """Where alerts are also posted as comments: an issue of a configured GitHub repository."""

    model_config = ConfigDict(extra="forbid")

    repo: str = Field(min_length=1)
    """The name of a `[repos."<name>"]` table that has `github = "owner/name"`."""
    number: int = Field(gt=0, le=2**31 - 1)
    """The issue's number."""


class LimitsConfig(SpendLimits):
    """`[limits]`: the factory's own limits (keys as in `SpendLimits`), per-repository limits
    in `[limits.repos."<name>"]`, and `alert_issue` for alert comments."""

    repos: dict[str, SpendLimits] = Field(default_factory=dict)
    alert_issue: AlertIssue | None = None
    """`{ repo = "app", number = 12 }`: each alert is also a comment on that GitHub issue."""

    def for_scope(self, scope: str) -> SpendLimits | None:
        """The limits of `scope` ("all" for the factory), None when it has none."""
        limits = self if scope == "all" else self.repos.get(scope)
        return limits if limits is not None and limits.any else None

    def scopes_of(self, repo: str) -> list[tuple[str, SpendLimits]]:
        """The scopes a run in `repo` spends against: the factory's, then the repository's."""
        found = [(scope, self.for_scope(scope)) for scope in ("all", repo)]
        return [(scope, limits) for scope, limits in found if limits is not None]
