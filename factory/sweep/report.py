"""The morning report: what a sweep merged, what waits for whom, what failed, what it cost.

`build_report` turns a `SweepResult` into a `MorningReport`; `to_markdown` renders it for a
file (`write_report`) or a tracking issue (`post_report`), and its JSON is `model_dump`. Costs
are only summed when every run's cost is known: an unpriced model makes a total unknown, never
$0. Ticket titles, identities, owners, gate reasons and errors come from outside: every one is
made inert by `factory.support.markdown` (no markup, no heading, no link, no ping).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from factory.config.limits import HALT_PERCENT
from factory.forges.github_client import DEFAULT_API_URL, github_client
from factory.store import Store
from factory.store.spend import describe_alert
from factory.support import errors
from factory.support.errors import FactoryError
from factory.support.markdown import code, inline, link
from factory.support.wording import plural
from factory.sweep.maintained import MaintainedPull, PullsMaintained
from factory.sweep.outcome import SweepResult, TicketOutcome
from factory.sweep.selection import SKIP_TITLES, Skip, SkipReason
from factory.tickets.github import parse_issue_ref

DELIVERED = {"pr_open", "merged", "waiting_approval", "needs_human", "done"}
WAITING = {"waiting_approval", "needs_human"}
FAILED = {"failed", "budget_exceeded"}
REFUSED = {"refused", "rejected", "closed"}


class CostSummary(BaseModel):
    known: bool
    """False when some run used a model without a price: the figures below are lower bounds."""
    total_usd: float
    per_merged_pr_usd: float | None
    wasted_usd: float
    """Spent on runs that delivered nothing (failed, refused, out of budget, stopped)."""
    tokens: int


class MorningReport(BaseModel):
    sweep_id: str | None
    dry_run: bool
    started_at: str
    finished_at: str
    wall_s: float
    concurrency: int
    considered: int
    started: int
    resumed: int
    prs_opened: int
    merged: list[TicketOutcome] = Field(default_factory=list)
    pull_requests: list[TicketOutcome] = Field(default_factory=list)
    waiting_for_human: list[TicketOutcome] = Field(default_factory=list)
    refused: list[TicketOutcome] = Field(default_factory=list)
    failed: list[TicketOutcome] = Field(default_factory=list)
    failed_by_reason: dict[str, int] = Field(default_factory=dict)
    no_change: list[TicketOutcome] = Field(default_factory=list)
    interrupted: list[TicketOutcome] = Field(default_factory=list)
    skipped: list[Skip] = Field(default_factory=list)
    skipped_by_reason: dict[str, int] = Field(default_factory=dict)
    planned: list[dict[str, Any]] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    stopped: str | None = None
    cost: CostSummary
    spend_alerts: list[str] = Field(default_factory=list)
    """`[limits]` alerts raised while the sweep ran, and those still in force at its end."""
    pulls_maintained: PullsMaintained = Field(default_factory=PullsMaintained)
    """The factory's open pull requests it rebased, followed up, fixed CI on or reconciled."""

    def totals(self) -> dict[str, Any]:
        """The headline numbers (the `sweep.finished` event)."""
        return {
            "considered": self.considered,
            "started": self.started,
            "resumed": self.resumed,
            "prs_opened": self.prs_opened,
            "merged": len(self.merged),
            "waiting_for_human": len(self.waiting_for_human),
            "refused": len(self.refused),
            "failed": len(self.failed),
            "no_change": len(self.no_change),
            "interrupted": len(self.interrupted),
            "skipped": len(self.skipped),
            "skipped_by_reason": self.skipped_by_reason,
            "cost_usd": round(self.cost.total_usd, 6),
            "cost_known": self.cost.known,
            "tokens": self.cost.tokens,
            "wall_s": round(self.wall_s, 3),
            "stopped": self.stopped,
            "pulls_maintained": {
                "pull_requests": len(self.pulls_maintained.pulls),
                "rebased": self.pulls_maintained.rebased,
                "followups": self.pulls_maintained.followups,
                "ci_fixed": self.pulls_maintained.ci_fixed,
                "reconciled": self.pulls_maintained.reconciled,
            },
        }


def build_report(result: SweepResult) -> MorningReport:
    outcomes = result.outcomes
    merged = [o for o in outcomes if o.status == "merged"]
    waiting = [o for o in outcomes if o.status in WAITING]
    refused = [o for o in outcomes if o.status in REFUSED]
    failed = [o for o in outcomes if o.status in FAILED]
    no_change = [o for o in outcomes if o.status in ("no_change",) or o.ending == "no_change"]
    interrupted = [o for o in outcomes if o.status in ("running", "halted", "interrupted")]
    total = sum(o.cost_usd for o in outcomes)
    wasted = sum(o.cost_usd for o in outcomes if o.status not in DELIVERED)
    cost = CostSummary(
        known=all(o.cost_known for o in outcomes),
        total_usd=round(total, 6),
        per_merged_pr_usd=round(total / len(merged), 6) if merged else None,
        wasted_usd=round(wasted, 6),
        tokens=sum(o.tokens for o in outcomes),
    )
    return MorningReport(
        sweep_id=result.sweep_id,
        dry_run=result.dry_run,
        started_at=result.started_at.isoformat(timespec="seconds"),
        finished_at=result.finished_at.isoformat(timespec="seconds"),
        wall_s=round(result.wall_s, 3),
        concurrency=result.concurrency,
        considered=result.considered,
        started=sum(1 for o in outcomes if o.action == "start"),
        resumed=sum(1 for o in outcomes if o.action == "resume"),
        prs_opened=sum(1 for o in outcomes if o.pr_number is not None),
        merged=merged,
        pull_requests=[o for o in outcomes if o.status == "pr_open"],
        waiting_for_human=waiting,
        refused=refused,
        failed=failed,
        failed_by_reason=dict(Counter(_failure_reason(o) for o in failed)),
        no_change=no_change,
        interrupted=interrupted,
        skipped=result.skips,
        skipped_by_reason=dict(Counter(s.reason.value for s in result.skips)),
        planned=[
            {"ticket": p.item.identity, "repo": p.item.repo, "action": p.action, "run": p.run_id}
            for p in result.planned
        ],
        problems=[f"{p.repo}: {p.origin}: {p.message}" for p in result.problems],
        stopped=result.stopped,
        cost=cost,
        spend_alerts=result.spend_alerts,
        pulls_maintained=result.pulls_maintained,
    )


def spend_alert_lines(store: Store, since: datetime) -> list[str]:
    """The `[limits]` alerts raised since `since` and those of today and this month, highest
    first, each said once."""
    alerts = {alert.id: alert for alert in store.spend.alerts(since=since)}
    alerts.update({alert.id: alert for alert in store.spend.current_alerts()})
    ordered = sorted(alerts.values(), key=lambda a: (-a.percent, a.raised_at, a.id))
    return [
        describe_alert(alert) + ("; halted" if alert.percent >= HALT_PERCENT else "")
        for alert in ordered
    ]


def _failure_reason(outcome: TicketOutcome) -> str:
    if outcome.status == "budget_exceeded":
        return "run budget exhausted"
    if outcome.ending == "failed" and outcome.iterations:
        return "tests still failing after the last iteration"
    text = (outcome.error or "error").split(":")[0]
    return text[:80]


def _money(value: float, known: bool) -> str:
    return f"${value:.2f}" if known else f"at least ${value:.2f} (a model without a price)"


def _ticket_line(outcome: TicketOutcome) -> str:
    pr = f" {link(f'PR #{outcome.pr_number}', outcome.pr_url)}" if outcome.pr_number else ""
    run = f" run {code(outcome.run_id)}" if outcome.run_id else ""
    return f"- **{inline(outcome.identity)}** {inline(outcome.title)}:{pr}{run}"


def to_markdown(report: MorningReport) -> str:
    if report.dry_run:
        return _plan_markdown(report)
    lines = [
        f"# Morning report: sweep {report.sweep_id}",
        "",
        f"{report.started_at} to {report.finished_at}, {report.wall_s:.0f} s wall time, "
        f"{report.concurrency} at a time.",
        "",
        *_totals_table(report),
    ]
    if report.stopped:
        lines += ["", f"The sweep stopped early: {report.stopped}."]
    if report.spend_alerts:
        lines += ["", "## Spend limits", ""]
        lines += [f"- {alert}" for alert in report.spend_alerts]
    lines += _outcome_sections(report)
    lines += _maintained_section(report.pulls_maintained)
    lines += _skipped_sections(report)
    lines += _problems(report)
    return "\n".join(lines) + "\n"


def _maintained_section(maintained: PullsMaintained) -> list[str]:
    """What was done to the factory's open pull requests; every recorded text made inert."""
    if not maintained.pulls:
        return []
    lines = [
        "",
        "## Pull requests maintained",
        "",
        f"{plural(len(maintained.pulls), 'pull request')}: {maintained.rebased} rebased, "
        f"{plural(maintained.followups, 'follow-up round')}, CI fixed "
        f"{plural(maintained.ci_fixed, 'time')}, {maintained.reconciled} reconciled.",
        "",
    ]
    for pull in maintained.pulls:
        lines.append(f"- {_pull_name(pull)} run {code(pull.run_id)}")
        lines += [f"  - {inline(said)}" for said in _pull_lines(pull)]
    return lines


def _pull_name(pull: MaintainedPull) -> str:
    number = f"#{pull.number}" if pull.number is not None else "(no PR number recorded)"
    return f"**{inline(pull.repo)}** {inline(number)}"


def _pull_lines(pull: MaintainedPull) -> list[str]:
    said: list[str] = []
    if pull.rebased:
        said.append(f"rebased on its base {plural(pull.rebased, 'time')}")
    if pull.base_merged:
        said.append(f"base merged in {plural(pull.base_merged, 'time')} (not the factory's alone)")
    if pull.conflicts:
        said.append(f"{plural(pull.conflicts, 'conflict')} with the base")
    said += [f"follow-up {entry}" for entry in pull.followups]
    said += pull.fix_rounds
    if pull.ci_fixed:
        state = f", checks now {pull.ci_state}" if pull.ci_state else ""
        said.append(f"CI fixed {plural(pull.ci_fixed, 'time')}{state}")
    if pull.ci_reruns:
        said.append(f"flaky check rerun {plural(pull.ci_reruns, 'time')}")
    if pull.ci_infrastructure:
        said.append(f"{plural(pull.ci_infrastructure, 'CI infrastructure failure')}, no agent")
    if pull.replies:
        said.append(f"{plural(pull.replies, 'reply', 'replies')} to reviewers")
    said += [f"round refused: {reason}" for reason in pull.refused]
    if pull.reconciled:
        said.append(f"reconciled: {pull.reconciled}")
    return said


def _plan_markdown(report: MorningReport) -> str:
    """A dry run did nothing, so its plan says what a sweep would do, not a report of zeros."""
    planned = len(report.planned)
    lines = [
        "# Sweep plan (dry run)",
        "",
        f"{plural(report.considered, 'ticket')} considered: {planned} would be started or "
        f"resumed, {len(report.skipped)} skipped, {report.concurrency} at a time. Nothing was "
        "started.",
        "",
        "## Would work on",
        "",
    ]
    lines += [
        f"- {p['action']} **{inline(p['ticket'])}**"
        + (f" (run {code(p['run'])})" if p["run"] else "")
        for p in report.planned
    ] or ["- nothing"]
    lines += _skipped_sections(report)
    lines += _problems(report)
    return "\n".join(lines) + "\n"


def _problems(report: MorningReport) -> list[str]:
    if not report.problems:
        return []
    return [
        "",
        "## Sources that could not be read",
        "",
        *(f"- {inline(problem)}" for problem in report.problems),
    ]


def _totals_table(report: MorningReport) -> list[str]:
    cost = report.cost
    lines = [
        "| | |",
        "| --- | --- |",
        f"| tickets considered | {report.considered} |",
        f"| started / resumed | {report.started} / {report.resumed} |",
        f"| pull requests opened | {report.prs_opened} |",
        f"| merged | {len(report.merged)} |",
        f"| waiting for a human | {len(report.waiting_for_human)} |",
        f"| refused by a gate | {len(report.refused)} |",
        f"| failed | {len(report.failed)} |",
        f"| no change needed | {len(report.no_change)} |",
        f"| stopped at a checkpoint (resumable) | {len(report.interrupted)} |",
        f"| skipped | {len(report.skipped)} |",
        f"| cost | {_money(cost.total_usd, cost.known)} ({cost.tokens} tokens) |",
    ]
    if report.pulls_maintained.pulls:
        lines.append(f"| pull requests maintained | {len(report.pulls_maintained.pulls)} |")
    if cost.per_merged_pr_usd is not None:
        lines.append(f"| cost per merged PR | {_money(cost.per_merged_pr_usd, cost.known)} |")
    lines.append(
        f"| spent on runs that delivered nothing | {_money(cost.wasted_usd, cost.known)} |"
    )
    return lines


def _outcome_sections(report: MorningReport) -> list[str]:
    sections: list[tuple[str, list[TicketOutcome], str]] = [
        ("Merged", report.merged, ""),
        ("Pull requests open", report.pull_requests, ""),
        ("Waiting for a human", report.waiting_for_human, "owners"),
        ("Refused by a gate", report.refused, "reasons"),
        ("Failed", report.failed, "error"),
        ("No change needed", report.no_change, ""),
        ("Stopped at a checkpoint (the next sweep resumes them)", report.interrupted, ""),
    ]
    lines: list[str] = []
    for heading, items, extra in sections:
        if not items:
            continue
        lines += ["", f"## {heading}", ""]
        for outcome in items:
            lines.append(_ticket_line(outcome))
            if extra == "owners":
                # Named, never pinged: the report is posted where `@owner` would notify them.
                who = ", ".join(outcome.owners) or "no owner on record (CODEOWNERS)"
                lines.append(f"  - who should look: {inline(who)}")
                if outcome.tests:
                    lines.append(f"  - tests: {inline(outcome.tests)}")
                lines += [f"  - {inline(reason)}" for reason in outcome.reasons]
            if extra == "reasons":
                lines += [f"  - {inline(reason)}" for reason in outcome.reasons]
            if extra == "error":
                said = inline(f"{_failure_reason(outcome)}: {outcome.error or outcome.status}")
                lines.append(f"  - {said}")
    return lines


def _skipped_sections(report: MorningReport) -> list[str]:
    if not report.skipped:
        return []
    lines = ["", "## Skipped", ""]
    for reason in SkipReason:
        items_skipped = [s for s in report.skipped if s.reason == reason]
        if not items_skipped:
            continue
        lines.append(f"### {SKIP_TITLES[reason]} ({len(items_skipped)})")
        lines += [
            f"- **{inline(s.identity)}** {inline(s.title)}: {inline(s.detail)}"
            for s in items_skipped
        ]
    return lines


def write_report(report: MorningReport, directory: Path) -> dict[str, str]:
    """`<directory>/<sweep id>.md` and `.json`; returns their paths by kind."""
    directory.mkdir(parents=True, exist_ok=True)
    markdown = directory / f"{report.sweep_id}.md"
    data = directory / f"{report.sweep_id}.json"
    markdown.write_text(to_markdown(report), encoding="utf-8")
    data.write_text(json.dumps(report.model_dump(mode="json"), indent=2), encoding="utf-8")
    return {"markdown": str(markdown), "json": str(data)}


class ReportPostError(FactoryError, ValueError):
    """The report could not be posted; the message says why."""

    code = "bad_input"


class ReportNotPosted(FactoryError, RuntimeError):
    """The sweep ran and its report was written, but the forge could not take the comment."""

    code = "report_not_posted"
    exit_code = errors.FAILED


def parse_post_target(target: str) -> tuple[str, int]:
    """OWNER/REPO#N of `--post-report`, checked with the token it needs before any sweep runs
    (a sweep is not the moment to learn that its report has nowhere to go)."""
    parsed = parse_issue_ref(target)
    if parsed is None:
        raise ReportPostError(f"--post-report {target!r}: write it as OWNER/REPO#N")
    if not os.environ.get("GITHUB_TOKEN"):
        raise ReportPostError("--post-report needs GITHUB_TOKEN (the comment is posted with it)")
    return parsed


def post_report(target: str, markdown: str) -> str:
    """Comment the report on the tracking issue OWNER/REPO#N; returns the comment's URL.
    ReportNotPosted when GitHub refuses it or cannot be reached."""
    from github import GithubException
    from requests import RequestException

    repo, number = parse_post_target(target)
    api = os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL
    client = github_client(os.environ["GITHUB_TOKEN"], api)
    try:
        comment = client.get_repo(repo).get_issue(number).create_comment(markdown)
    except GithubException as error:
        raise ReportNotPosted(
            f"the report was not posted: GitHub answered {error.status} when commenting on "
            f"{repo}#{number}"
        ) from error
    except (RequestException, OSError) as error:
        raise ReportNotPosted(
            f"the report was not posted: GitHub could not be reached at {api} "
            f"({type(error).__name__})"
        ) from error
    return str(comment.html_url)
