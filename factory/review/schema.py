"""The operational review as data: the versioned JSON the CLI, the HTML report and the dashboard
all render from. `docs/review.schema.json` is generated from these models (`review_json_schema`).

A figure the record cannot tell is None ("unknown"), never 0: a dollar figure with one unpriced
model call in it is unknown, a rate over no changes is not a rate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.2"
"""Bump the minor for added fields, the major for renamed or removed ones."""

Trend = Literal["up", "down", "flat", "new", "unknown"]
Better = Literal["up", "down", "neither"]


class ReviewModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Figure(ReviewModel):
    """One number this period, the same number the period before, and which way is better."""

    value: float | None
    """None: unknown or not applicable (no changes to rate, a cost with unpriced calls)."""
    previous: float | None = None
    unit: str = ""
    """`count`, `ratio` (0..1), `hours`, `per_week`, `per_day`, `usd`, `minutes`, `tokens`,
    `per_pr` (a mean per pull request)."""
    trend: Trend = "unknown"
    better: Better = "neither"
    note: str | None = None


class DoraMetric(Figure):
    tier: Literal["elite", "high", "medium", "low"] | None = None
    """From the tier table of the DORA report named in `OperationalReview.dora_source`; None
    when the value is unknown or the report gives no tier for the metric."""


class DoraFigures(ReviewModel):
    """DORA's five metrics for one population of changes (the factory's, or humans')."""

    deployments: int
    changes: int
    failed_changes: int
    deployment_frequency: DoraMetric
    lead_time_ticket: DoraMetric
    """Ticket opened -> merged, hours (median). Human changes have no ticket: None."""
    lead_time_commit: DoraMetric
    """First commit -> merged, hours (median)."""
    change_fail_rate: DoraMetric
    recovery_time: DoraMetric
    """Failed deployment recovery time: incident opened -> resolved, or a change -> its
    revert, hours (median)."""
    rework_rate: DoraMetric
    """Share of deployments that were unplanned fixes (reverts, and changes whose ticket
    is labelled incident/hotfix)."""


class RepoDora(ReviewModel):
    repo: str
    agent: DoraFigures
    human: DoraFigures | None
    """None when the repository's git history could not be read (no local clone)."""
    history_note: str | None = None


class OutcomeGroup(ReviewModel):
    """The factory's merged changes of one configuration, or of one autonomy level: change
    fail rate, reverts and rework of that group alone (schema 1.1)."""

    by: Literal["config_hash", "autonomy_level"]
    value: str
    """The configuration hash, or the level (`L2`); `unknown` for runs that recorded none."""
    changes: int
    reverted: int
    """Changes a revert commit on the base branch undid."""
    dora: DoraFigures


class WaitingRun(ReviewModel):
    run_id: str
    repo: str
    since: datetime
    age_hours: float
    pr: str | None = None


class Delivery(ReviewModel):
    tickets_attempted: Figure
    prs_opened: Figure
    prs_merged: Figure
    prs_opened_per_week: Figure
    prs_merged_per_week: Figure
    lead_time_ticket_hours: Figure
    lead_time_commit_hours: Figure
    sweep_completion: Figure
    waiting_for_human: Figure
    waiting_queue: list[WaitingRun] = Field(default_factory=list)
    """Oldest first."""


class Reliability(ReviewModel):
    first_try_green_rate: Figure
    """Share of runs whose first test report had no new failures: "green" by the gate's
    `tests_green` rule, where tests already failing on the base commit do not count."""
    iterations_per_run: Figure
    change_fail_rate: Figure
    reverts: Figure
    incidents_linked: Figure
    """Incidents whose root cause is one of the factory's changes."""
    runs_failed_by_reason: dict[str, int] = Field(default_factory=dict)
    flaky_tests: list[str] = Field(default_factory=list)
    """Tests that failed then passed on the same commit within one run."""


class HaltEntry(ReviewModel):
    scope: str
    by: str
    reason: str
    started: datetime
    lifted: datetime | None
    hours: float | None
    """None while the halt is still in force."""


class AutonomyChange(ReviewModel):
    repo: str
    run_id: str
    at: datetime
    previous: str | None
    level: str
    direction: Literal["promotion", "demotion", "change"]
    why: list[str] = Field(default_factory=list)


class AuditStatus(ReviewModel):
    checked: bool
    ok: bool | None
    """None when not checked."""
    runs: int = 0
    events: int = 0
    breaks: list[str] = Field(default_factory=list)


class Vigilance(ReviewModel):
    verdicts_by_policy: dict[str, dict[str, int]] = Field(default_factory=dict)
    """policy -> outcome (allow, needs_human, refuse) -> count."""
    decisions: dict[str, int] = Field(default_factory=dict)
    secrets_caught: Figure
    protected_paths_touched: Figure
    unreviewed_merge_share: Figure
    """Merged changes no human approved (auto-merged at L2/L3) over all merged changes."""
    halts: list[HaltEntry] = Field(default_factory=list)
    autonomy_changes: list[AutonomyChange] = Field(default_factory=list)
    audit: AuditStatus


class Efficiency(ReviewModel):
    spend_usd: Figure
    cost_per_merged_pr: Figure
    cost_by_role: dict[str, float | None] = Field(default_factory=dict)
    cost_by_model: dict[str, float | None] = Field(default_factory=dict)
    unpriced_calls: int = 0
    tokens: Figure
    cache_read_share: Figure
    sandbox_minutes: Figure
    spend_on_nothing: Figure
    """Dollars spent on runs that delivered nothing (failed, refused, budget spent, rejected)."""
    approval_wait_hours: Figure
    """Hours runs spent waiting for a person's approve/reject (decided in the period)."""


class Pillars(ReviewModel):
    """Four of the five pillars for one group; initiatives are listed on their own."""

    group: Literal["factory", "repository", "owner", "domain"]
    name: str
    repos: list[str]
    runs: int
    delivery: Delivery
    reliability: Reliability
    vigilance: Vigilance
    efficiency: Efficiency


class InitiativeStatus(ReviewModel):
    name: str
    owner: str | None
    due: datetime | None
    tickets: int
    done: int
    open: int
    in_flight: int
    stalled: int
    stalled_tickets: list[str] = Field(default_factory=list)
    rate_per_week: float | None
    """Tickets done per week over the period."""
    projected_completion: datetime | None
    """None when nothing is being done (no rate) or everything is done."""
    on_track: bool | None


class ScorecardCheck(ReviewModel):
    rule: str
    passed: bool | None
    """None: the record cannot tell (e.g. no local clone to read)."""
    evidence: str
    fix: str | None = None


class Scorecard(ReviewModel):
    repo: str
    owner: str | None
    domain: str | None
    system: str | None
    checks: list[ScorecardCheck]
    passed: int
    failed: int

    @property
    def below_standard(self) -> bool:
        return self.failed > 0


class Risk(ReviewModel):
    rank: int
    severity: Literal["high", "medium", "low"]
    repo: str | None
    title: str
    evidence: list[str]
    """Run ids, `repo#PR`, incident ids and figures that back the claim."""
    action: str


class ReviewerBurden(ReviewModel):
    """What the merged pull requests of one population asked of their reviewers (1.2)."""

    who: Literal["factory", "human"]
    merged_prs: int
    comments_per_merged_pr: Figure
    """Factory: people's comments its rounds addressed. Human: unknown (git does not keep
    comments; the forge's are not read)."""
    waiting_hours_per_merged_pr: Figure
    """Factory: hours a PR waited for a person (from opening, and from each round's end, to
    the next person's feedback or the merge). Human: hours from the PR's last commit to its
    merge, read from git (merge commits only)."""


class PullRequestFigures(ReviewModel):
    """The factory's pull requests after they opened, for the whole factory or one repository:
    follow-up rounds, what people asked, what it cost (1.2; docs/review.md)."""

    group: Literal["factory", "repository"]
    name: str
    prs_opened: int
    prs_merged: int
    review_rounds_per_pr: Figure
    """Review rounds over the PRs opened in the period."""
    ci_fix_rounds_per_pr: Figure
    rebases_per_pr: Figure
    requested_changes: Figure
    """Reviews requesting changes the factory addressed (rounds finished in the period)."""
    first_time_right_rate: Figure
    """Merged PRs no person asked a change of, over the PRs merged in the period."""
    followup_cost_usd: Figure
    """Dollars of the rounds finished in the period; unknown when one had no known price."""
    factory_burden: ReviewerBurden
    human_burden: ReviewerBurden | None = None
    """None when no repository's git history was read."""


class Period(ReviewModel):
    since: datetime
    until: datetime
    previous_since: datetime
    days: float


class OperationalReview(ReviewModel):
    schema_version: str = SCHEMA_VERSION
    generated_at: datetime
    period: Period
    filters: dict[str, list[str]] = Field(default_factory=dict)
    dora_source: str
    dora: list[RepoDora]
    factory_dora: DoraFigures
    factory: Pillars
    repositories: list[Pillars]
    owners: list[Pillars]
    domains: list[Pillars]
    initiatives: list[InitiativeStatus]
    scorecards: list[Scorecard]
    risks: list[Risk]
    outcome_groups: list[OutcomeGroup] = Field(default_factory=list)
    """The factory's outcomes split by configuration hash and by autonomy level (1.1)."""
    pull_requests: list[PullRequestFigures] = Field(default_factory=list)
    """The factory's pull requests after they opened: the whole factory first, then each
    repository (1.2)."""
    notes: list[str] = Field(default_factory=list)
    """What the review could not see (a repository without a clone, sweeps never recorded)."""


def review_json_schema() -> dict[str, Any]:
    schema = OperationalReview.model_json_schema()
    schema["$id"] = f"https://agent-factory.local/review.schema.{SCHEMA_VERSION}.json"
    schema["title"] = f"agent-factory operational review, schema {SCHEMA_VERSION}"
    return schema
