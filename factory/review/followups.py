"""The factory's pull requests after they opened: review rounds per PR, CI fix rounds and
rebases, the changes people asked for, the first-time-right rate, what follow-ups cost, and
the reviewer's burden (comments and hours waiting per merged PR), the factory's beside humans'.

Each factory PR's life is folded from its run's events (`store.pull_request_life`, read with the
review's one event query); humans' merged PRs come from git (`git_history`). Every figure is
computed for the period and the one before it, so it carries its trend.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from factory.review.git_history import GitDeployment
from factory.review.records import RunRecord
from factory.review.schema import Period, PullRequestFigures, ReviewerBurden
from factory.review.trends import figure
from factory.store.pull_request_life import PullRequestLife

HUMAN_COMMENTS_NOTE = "git keeps no comments and the forge's are not read"


def _within(moment: datetime | None, since: datetime, until: datetime) -> bool:
    return moment is not None and since <= moment < until


def _per(total: float, count: int) -> float | None:
    return round(total / count, 3) if count else None


class _FactoryWindow:
    """One period's factory pull requests and the figures over them."""

    def __init__(self, lives: Sequence[PullRequestLife], since: datetime, until: datetime) -> None:
        self.opened = [life for life in lives if _within(life.opened_at, since, until)]
        self.merged = [life for life in lives if _within(life.merged_at, since, until)]
        rounds = [
            found
            for life in lives
            for found in life.rounds
            if _within(found.finished_at or found.started_at, since, until)
        ]
        self.review_rounds = _per(sum(life.review_rounds for life in self.opened), len(self.opened))
        self.ci_rounds = _per(sum(life.ci_fix_rounds for life in self.opened), len(self.opened))
        self.rebases = _per(sum(life.rebases for life in self.opened), len(self.opened))
        self.requested_changes = float(sum(found.requested_changes for found in rounds))
        right = sum(1 for life in self.merged if life.first_time_right)
        self.first_time_right = round(right / len(self.merged), 4) if self.merged else None
        costs = [found.cost_usd for found in rounds]
        # A round still running, or one with an unpriced call, has no known cost: the total
        # is then unknown, not smaller.
        self.cost = None if None in costs else round(sum(c for c in costs if c is not None), 6)
        self.unknown_rounds = costs.count(None)
        comments = sum(life.comments for life in self.merged)
        self.comments = _per(comments, len(self.merged))
        self.waiting = _per(sum(life.waiting_hours() for life in self.merged), len(self.merged))


class _HumanWindow:
    def __init__(self, pulls: Sequence[GitDeployment], since: datetime, until: datetime) -> None:
        merged = [pull for pull in pulls if since <= pull.at < until]
        self.merged = len(merged)
        waits = [
            max(0.0, (pull.at - pull.last_branch_commit_at).total_seconds() / 3600)
            for pull in merged
            if pull.last_branch_commit_at is not None
        ]
        self.waiting = round(sum(waits) / len(waits), 3) if waits else None
        self.squashed = self.merged - len(waits)


def pull_request_figures(
    group: Literal["factory", "repository"],
    name: str,
    runs: Sequence[RunRecord],
    human_pulls: Sequence[GitDeployment] | None,
    period: Period,
) -> PullRequestFigures:
    """The figures of one group's factory PRs (`runs`), beside humans' merged PRs from git
    (`human_pulls`; None when no git history of the group was read)."""
    lives = [run.life for run in runs if run.life is not None and run.life.opened_at is not None]
    now = _FactoryWindow(lives, period.since, period.until)
    before = _FactoryWindow(lives, period.previous_since, period.since)
    cost_note = (
        f"{now.unknown_rounds} round(s) with no known cost (unpriced, or not finished)"
        if now.unknown_rounds
        else None
    )
    return PullRequestFigures(
        group=group,
        name=name,
        prs_opened=len(now.opened),
        prs_merged=len(now.merged),
        review_rounds_per_pr=figure(now.review_rounds, before.review_rounds, "per_pr", "down"),
        ci_fix_rounds_per_pr=figure(now.ci_rounds, before.ci_rounds, "per_pr", "down"),
        rebases_per_pr=figure(now.rebases, before.rebases, "per_pr"),
        requested_changes=figure(now.requested_changes, before.requested_changes, "count", "down"),
        first_time_right_rate=figure(now.first_time_right, before.first_time_right, "ratio", "up"),
        followup_cost_usd=figure(now.cost, before.cost, "usd", "down", note=cost_note),
        factory_burden=ReviewerBurden(
            who="factory",
            merged_prs=len(now.merged),
            comments_per_merged_pr=figure(now.comments, before.comments, "per_pr", "down"),
            waiting_hours_per_merged_pr=figure(now.waiting, before.waiting, "hours", "down"),
        ),
        human_burden=None if human_pulls is None else _human_burden(human_pulls, period),
    )


def _human_burden(pulls: Sequence[GitDeployment], period: Period) -> ReviewerBurden:
    now = _HumanWindow(pulls, period.since, period.until)
    before = _HumanWindow(pulls, period.previous_since, period.since)
    wait_note = (
        f"{now.squashed} squashed PR(s) keep no branch in git: their wait is not counted"
        if now.squashed
        else None
    )
    return ReviewerBurden(
        who="human",
        merged_prs=now.merged,
        comments_per_merged_pr=figure(None, None, "per_pr", "down", note=HUMAN_COMMENTS_NOTE),
        waiting_hours_per_merged_pr=figure(
            now.waiting, before.waiting, "hours", "down", note=wait_note
        ),
    )


def human_pull_requests(deployments: Sequence[GitDeployment]) -> list[GitDeployment]:
    """People's merged pull requests among a base branch's deployments (no `Factory-Run`)."""
    return [d for d in deployments if d.factory_run is None and d.is_pull_request]
