"""One judged attempt of one task: what the run did and what the hidden tests said."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class TaskResult(BaseModel):
    """Stored as JSON per attempt (`eval_results.result`); the figures are computed from these."""

    instance_id: str
    attempt: int = 0
    run_id: str | None = None
    ending: str | None = None
    """The run's status (`pr_open`, `no_change`, `refused`, `failed`...)."""
    resolved: bool = False
    """Every FAIL_TO_PASS and PASS_TO_PASS test passed with the hidden tests applied."""
    failing: list[str] = Field(default_factory=list)
    """Of FAIL_TO_PASS + PASS_TO_PASS, the tests that did not pass (missing ones included)."""
    cost_usd: float | None = None
    """None when any model call had no price: unknown, not zero."""
    tokens: int = 0
    wall_s: float = 0.0
    """Seconds from the attempt's start to the end of its run, summed over its stretches
    (a stopped attempt resumed later adds the stretch before the stop); judging excluded."""
    iterations: int = 0
    gate_level: str | None = None
    gate_decision: str | None = None
    decision_at: dict[str, str] = Field(default_factory=dict)
    """The gate's decision re-judged at L2 and L3 from its recorded context."""
    reviewer_verdict: str | None = None
    would_deliver: list[dict[str, Any]] = Field(default_factory=list)
    """What delivery asked the eval forge for: nothing of it happened anywhere."""
    evidence: str = "imported"
    error: str | None = None
    """Why the harness could not judge the attempt (then it counts in no rate)."""
