"""What a sweep asked for and what it did: the data the morning report and `--json` render."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from factory.sweep.backlog import BacklogProblem
from factory.sweep.maintained import PullsMaintained
from factory.sweep.selection import Pick, Skip


class SweepRequest(BaseModel):
    """`factory sweep`'s options; recorded with the sweep."""

    model_config = ConfigDict(extra="forbid")

    repos: list[str] = Field(default_factory=list)
    """Configured repository names; empty means every configured repository."""
    label: str | None = None
    """Overrides each repository's `backlog_label` for GitHub issues."""
    limit: int | None = Field(default=None, ge=0)
    concurrency: int | None = Field(default=None, ge=1, le=64)
    budget_usd: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    budget_tokens: int | None = Field(default=None, gt=0)
    max_wall_s: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    dry_run: bool = False
    replay_dir: Path | None = None
    """Answer each ticket from `<dir>/<ticket-key>.jsonl` (else `<dir>/default.jsonl`)."""
    grace_s: float | None = Field(default=None, gt=0)


RunAction = Literal["start", "resume"]


class PickedTicket(BaseModel):
    """The ticket a sweep chose, as its outcome names it (a run job of a sweep carries it)."""

    identity: str
    repo: str
    title: str
    action: RunAction = "start"
    runs_seen: list[str] | None = None
    """The ticket's runs when the sweep chose it: a new run starts only if none appeared since."""


class TicketOutcome(BaseModel):
    """One ticket the sweep worked on, as its run ended (or as far as it got)."""

    identity: str
    repo: str
    title: str
    action: RunAction
    run_id: str | None = None
    status: str
    """The run's status (`merged`, `pr_open`, `needs_human`...), or `failed` when no run began."""
    ending: str | None = None
    pr_number: int | None = None
    pr_url: str | None = None
    cost_usd: float = 0.0
    cost_known: bool = True
    """False when a model without a price was used: the cost is then unknown, not the figure."""
    tokens: int = 0
    iterations: int = 0
    tests: str | None = None
    """The last test run, as `green: 12 passed` / `red: ...`."""
    decision: str | None = None
    reasons: list[str] = Field(default_factory=list)
    """The gate's reasons (refusals name the policy here)."""
    owners: list[str] = Field(default_factory=list)
    """Who should look (CODEOWNERS / catalog) when a human is needed."""
    error: str | None = None
    seconds: float = 0.0
    sandbox_s: float = 0.0
    """Time spent inside sandbox commands (the rest of `seconds` is orchestration)."""


class SweepResult(BaseModel):
    sweep_id: str | None
    dry_run: bool
    request: SweepRequest
    started_at: datetime
    finished_at: datetime
    considered: int
    planned: list[Pick] = Field(default_factory=list)
    """What a dry run would start or resume, in order."""
    outcomes: list[TicketOutcome] = Field(default_factory=list)
    skips: list[Skip] = Field(default_factory=list)
    problems: list[BacklogProblem] = Field(default_factory=list)
    stopped: str | None = None
    """Why the sweep stopped early (a signal, --max-wall), if it did."""
    concurrency: int = 1
    spend_alerts: list[str] = Field(default_factory=list)
    """`[limits]` alerts raised while the sweep ran, and those still in force when it ended."""
    pulls_maintained: PullsMaintained = Field(default_factory=PullsMaintained)
    """What was done to the factory's open pull requests while the sweep ran (maintained.py)."""

    @property
    def wall_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()
