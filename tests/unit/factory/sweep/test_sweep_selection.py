"""Selection: priority then age, and every skip reason the facts can produce."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from factory.config.sweep import SweepConfig
from factory.forges.base import PullRequestInfo
from factory.sweep.backlog import BacklogProblem, BacklogTicket, priority_rank
from factory.sweep.facts import RunBrief, TicketFacts
from factory.sweep.selection import SkipReason, select_tickets
from factory.tickets.identity import ticket_identity
from factory.tickets.model import Ticket

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def item(title: str, *, priority: str | None = None, age_days: float = 1) -> BacklogTicket:
    ticket = Ticket(
        key=title.lower().replace(" ", "-"),
        ref=f"{title}.md",
        title=title,
        priority=priority,
        source="markdown",
    )
    return BacklogTicket(
        identity=ticket_identity("app", ticket),
        repo="app",
        ticket=ticket,
        source="backlog_dir",
        origin=f"{title}.md",
        opened_at=NOW - timedelta(days=age_days),
    )


def brief(status: str, *, live: bool = False, level: str = "L1") -> RunBrief:
    return RunBrief(run_id="r-1", status=status, autonomy_level=level, live=live, outcome=None)


def pull() -> PullRequestInfo:
    return PullRequestInfo(
        number=7,
        title="t",
        body="",
        head_branch="factory/x",
        base_branch="main",
        head_sha=None,
        status="open",
        draft=False,
        url="https://example/pull/7",
        forge="github",
    )


def test_tickets_are_taken_by_priority_then_oldest_first() -> None:
    backlog = [
        item("Newer normal", age_days=1),
        item("Low", priority="low", age_days=30),
        item("Older normal", age_days=5),
        item("Urgent", priority="p0", age_days=0.1),
        item("High", priority="high", age_days=2),
    ]
    selection = select_tickets(backlog, {}, SweepConfig())
    assert [pick.item.ticket.title for pick in selection.picks] == [
        "Urgent",
        "High",
        "Older normal",
        "Newer normal",
        "Low",
    ]
    assert selection.skips == []


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (TicketFacts(halt="halted by ops: incident"), SkipReason.HALTED),
        (TicketFacts(latest_run=brief("running", live=True)), SkipReason.IN_PROGRESS),
        (TicketFacts(open_pr=pull()), SkipReason.OPEN_PR),
        (TicketFacts(latest_run=brief("waiting_approval")), SkipReason.WAITING_FOR_HUMAN),
        (TicketFacts(latest_run=brief("needs_human")), SkipReason.WAITING_FOR_HUMAN),
        (TicketFacts(latest_run=brief("merged")), SkipReason.DELIVERED),
        (TicketFacts(latest_run=brief("pr_open")), SkipReason.DELIVERED),
        (TicketFacts(latest_run=brief("no_change")), SkipReason.DELIVERED),
        (TicketFacts(latest_run=brief("done", level="L0")), SkipReason.PLAN_COMMENTED),
        (TicketFacts(latest_run=brief("refused")), SkipReason.REFUSED),
        (TicketFacts(latest_run=brief("failed"), recent_failures=3), SkipReason.BACKOFF),
    ],
)
def test_each_fact_that_rules_a_ticket_out_is_its_skip_reason(
    facts: TicketFacts, reason: SkipReason
) -> None:
    ticket = item("Fix it")
    selection = select_tickets([ticket], {ticket.identity: facts}, SweepConfig())
    assert selection.picks == []
    (skipped,) = selection.skips
    assert skipped.reason == reason
    assert skipped.identity == ticket.identity and skipped.detail


def test_a_merged_fix_reads_as_delivered_whatever_became_of_a_later_duplicate() -> None:
    """#1 merged, then a second run's #2 was closed: the ticket is delivered, not refused."""
    ticket = item("Fix it")
    merged = RunBrief(run_id="r-1", status="merged", autonomy_level="L1", live=False)
    for later in ("rejected", "refused", "failed", "pr_open"):
        duplicate = RunBrief(run_id="r-2", status=later, autonomy_level="L1", live=False)
        facts = TicketFacts(latest_run=duplicate, merged_run=merged, recent_failures=5)
        selection = select_tickets([ticket], {ticket.identity: facts}, SweepConfig())
        (skipped,) = selection.skips
        assert skipped.reason == SkipReason.DELIVERED, later
        assert skipped.detail == f"run r-1 merged its change; the later run r-2 is {later}"


def test_an_interrupted_run_is_resumed_not_started_again() -> None:
    ticket = item("Fix it")
    for status in ("running", "halted"):
        facts = {ticket.identity: TicketFacts(latest_run=brief(status, live=False))}
        (pick,) = select_tickets([ticket], facts, SweepConfig()).picks
        assert (pick.action, pick.run_id) == ("resume", "r-1")


def test_failures_below_the_backoff_threshold_start_a_new_run() -> None:
    ticket = item("Fix it")
    facts = {ticket.identity: TicketFacts(latest_run=brief("failed"), recent_failures=2)}
    (pick,) = select_tickets([ticket], facts, SweepConfig(backoff_failures=3)).picks
    assert pick.action == "start" and pick.run_id is None


def test_an_unreadable_source_is_listed_as_a_skip() -> None:
    problem = BacklogProblem(repo="app", origin="backlog/bad.md", message="front matter is bad")
    selection = select_tickets([], {}, SweepConfig(), [problem])
    (skipped,) = selection.skips
    assert skipped.reason == SkipReason.UNREADABLE and "front matter" in skipped.detail


@pytest.mark.parametrize(
    ("text", "rank"),
    [(None, 2), ("p0", 0), ("P1", 1), ("critical", 0), ("High", 1), ("low", 3), ("whatever", 2)],
)
def test_priority_words_and_numbers_rank_as_people_mean_them(text: str | None, rank: int) -> None:
    assert priority_rank(text) == rank


def test_a_run_closed_by_a_person_or_withdrawn_with_its_ticket_is_never_started_again() -> None:
    ticket = item("Fix it")
    closed = TicketFacts(latest_run=brief("closed"), recent_failures=0)
    (skipped,) = select_tickets([ticket], {ticket.identity: closed}, SweepConfig()).skips
    assert skipped.reason == SkipReason.REFUSED
    withdrawn = TicketFacts(latest_run=brief("ticket_closed"))
    selection = select_tickets([ticket], {ticket.identity: withdrawn}, SweepConfig())
    assert selection.picks == []
    (skipped,) = selection.skips
    assert skipped.reason == SkipReason.TICKET_CLOSED
    assert "closed or lost its label" in skipped.detail
