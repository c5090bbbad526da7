"""Who and what may start a follow-up round: the loop guards.

Each feedback item is sorted first (`sort_feedback`): the factory's own comments, bots not in
`feedback_bots`, people without write access, and PR comments that do not address the factory
are ignored, each with its reason; approvals are set apart; the rest asks for a round. Then
the round itself is judged (`round_refusal`): the per-PR round cap, the per-PR follow-up
budget, and the same feedback as the last round while the branch did not move since.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from factory.config import RepoConfig
from factory.forges.feedback import WRITE_ACCESS, FeedbackItem
from factory.run.round_state import RoundRequest
from factory.run.state import RunState

ROUND_KINDS = ("review", "review_comment", "issue_comment")


@dataclass
class SortedFeedback:
    """New feedback on a pull request, sorted by what the factory does with it."""

    actionable: list[FeedbackItem] = field(default_factory=list)
    approvals: list[FeedbackItem] = field(default_factory=list)
    ignored: list[tuple[FeedbackItem, str]] = field(default_factory=list)
    own: list[FeedbackItem] = field(default_factory=list)
    """The factory's own replies and notes: not feedback at all."""


def is_bot(item: FeedbackItem) -> bool:
    return item.author_is_bot or item.author.lower().endswith("[bot]")


def ignore_reason(item: FeedbackItem, own_login: str, settings: RepoConfig) -> str | None:
    """Why `item` may not start a round whoever it asks, or None when its author may."""
    if item.author.lower() == own_login.lower():
        return "the factory's own comment"
    if is_bot(item):
        if item.author in settings.feedback_bots:
            return None
        return f"a bot ({item.author}) not listed in feedback_bots"
    if item.author_association.upper() not in WRITE_ACCESS:
        return (
            f"{item.author} has no write access ({item.author_association}); only an owner, "
            "member or collaborator starts a round"
        )
    return None


def sort_feedback(
    items: list[FeedbackItem], own_login: str, settings: RepoConfig
) -> SortedFeedback:
    sorted_ = SortedFeedback()
    for item in items:
        if item.kind not in ROUND_KINDS:
            sorted_.actionable.append(item)  # CI failures and conflicts come from the factory
            continue
        if item.author.lower() == own_login.lower():
            sorted_.own.append(item)
            continue
        reason = ignore_reason(item, own_login, settings)
        if reason is None:
            reason = _unaddressed(item, settings)
        if reason is not None:
            sorted_.ignored.append((item, reason))
        elif item.review_state == "APPROVED":
            sorted_.approvals.append(item)
        else:
            sorted_.actionable.append(item)
    return sorted_


def _unaddressed(item: FeedbackItem, settings: RepoConfig) -> str | None:
    """Why a trusted author's item asks nothing of the factory, or None when it does."""
    if item.kind == "review_comment":
        return None if item.body.strip() else "an empty inline comment"
    if item.kind == "review":
        if item.review_state == "APPROVED":
            return None
        if item.review_state == "CHANGES_REQUESTED":
            return None if item.body.strip() else "no text (its inline comments say it)"
        if settings.feedback_mention in item.body:
            return None
        return f"a review comment that does not mention {settings.feedback_mention}"
    if settings.feedback_mention in item.body:
        return None
    return f"a comment that does not mention {settings.feedback_mention}"


def round_refusal(
    state: RunState, request: RoundRequest, settings: RepoConfig, repo: str
) -> str | None:
    """Why the round `request` asks for may not start, or None."""
    cap = settings.max_followup_rounds
    if state.round >= cap:
        return (
            f"the pull request already had {state.round} follow-up round(s), the cap "
            f'([repos."{repo}"] max_followup_rounds = {cap}); a person must take it from here'
        )
    spent = sum(entry.cost_usd for entry in state.rounds)
    if spent >= settings.followup_budget_usd:
        return (
            f"its follow-up rounds spent ${spent:.2f} of the ${settings.followup_budget_usd:.2f} "
            f'per-PR budget ([repos."{repo}"] followup_budget_usd)'
        )
    last = state.round_request
    if (
        last is not None
        and last.signature == request.signature
        and request.head_sha is not None
        and last.head_sha == request.head_sha
    ):
        return (
            f"the feedback repeats round {state.round}'s and the branch has not changed since "
            "(that round changed nothing): another round would do the same"
        )
    return None
