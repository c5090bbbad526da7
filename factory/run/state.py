"""The run as data: what LangGraph checkpoints after every node.

Everything a resumed process needs lives here; live resources (the sandbox, the models, the
store) are rebuilt around it by the runner, never checkpointed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agents.models import AddedTests, CodeChange, Plan, Review
from agents.test_report import TestReport
from factory.run.round_state import RoundLogEntry, RoundRequest
from factory.tickets.model import Ticket
from policies.models import Decision

Phase = Literal[
    "intake", "plan", "code", "test", "review", "gate", "deliver", "await_approval", "done"
]
"""The node the run is in (or last finished)."""

Ending = Literal[
    "pr_open",
    "merged",
    "no_change",
    "needs_human",
    "plan_only",
    "refused",
    "rejected",
    "budget_exceeded",
    "failed",
]


class RunState(BaseModel):
    """One ticket's way through the graph."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    ticket: Ticket
    repo: str
    base_branch: str
    branch: str
    base_sha: str = ""
    level: str = "L1"
    """The effective autonomy level the run started at (earned within the repo's range)."""
    max_iterations: int = 3
    iteration: int = 0
    """Code rounds started so far (1 after the first coder pass)."""
    plan: Plan | None = None
    changes: list[CodeChange] = Field(default_factory=list)
    added_tests: AddedTests | None = None
    test_reports: list[TestReport] = Field(default_factory=list)
    review: Review | None = None
    feedback: str | None = None
    """What the last test run or review asked the coder to fix."""
    decision: Decision | None = None
    pr_number: int | None = None
    pr_url: str | None = None
    merged_sha: str | None = None
    model_calls: int = 0
    """Model calls made so far; a replayed model resumes its cassette from here."""
    tokens: int = 0
    cost_usd: float = 0.0
    """Dollars of the priced model calls; the run's cost only while `unpriced_calls` is 0."""
    unpriced_calls: int = 0
    """Model calls of a model without a price: any makes the run's cost unknown."""
    wall_s: float = 0.0
    """Seconds drivers have spent on the run, summed over its stretches (the wall budget's
    meter); time the run lay stopped or waited for a human does not count."""
    phase: Phase = "intake"
    ending: Ending | None = None
    error: str | None = None
    round: int = 0
    """Follow-up rounds started on the pull request (review feedback, CI fixes, conflicts)."""
    rounds: list[RoundLogEntry] = Field(default_factory=list)
    """The finished rounds, as the PR body's log shows them."""
    round_request: RoundRequest | None = None
    """What the current (or last) round was asked to address."""

    @property
    def cost_known(self) -> bool:
        return self.unpriced_calls == 0

    def cost_text(self) -> str:
        """The cost as a reader should take it: dollars only when every call was priced."""
        if self.cost_known:
            return f"cost ${self.cost_usd:.4f}"
        return (
            f"cost unknown: {self.unpriced_calls} of {self.model_calls} model calls used a "
            "model without a price"
        )

    @property
    def last_test_report(self) -> TestReport | None:
        return self.test_reports[-1] if self.test_reports else None
