"""Who and what may start a follow-up round."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from factory.config import RepoConfig
from factory.forges.feedback import FeedbackItem
from factory.pulls.guards import round_refusal, sort_feedback
from factory.run.round_state import RoundLogEntry, round_request
from factory.run.state import RunState
from factory.tickets.model import Ticket

OWN = "agent-factory"


def settings(**fields: object) -> RepoConfig:
    return RepoConfig(path=Path("/srv/app"), test_command="pytest", **fields)


def item(id: str, **fields: object) -> FeedbackItem:
    defaults: dict[str, object] = {
        "kind": "issue_comment",
        "author": "maintainer",
        "author_association": "OWNER",
        "body": "/factory please rename it",
    }
    return FeedbackItem(id=id, **{**defaults, **fields})


def state(**fields: object) -> RunState:
    ticket = Ticket(source="markdown", key="t", ref="t.md", title="T", body="b")
    return RunState(
        run_id="r-1", ticket=ticket, repo="app", base_branch="main", branch="b", **fields
    )


def test_own_comments_are_set_apart_and_bots_and_outsiders_ignored_with_the_reason() -> None:
    found = sort_feedback(
        [
            item("issue_comment:1", author=OWN, author_association="NONE"),
            item("issue_comment:2", author="lint[bot]", author_association="NONE"),
            item("issue_comment:3", author="ci", author_is_bot=True),
            item("issue_comment:4", author="passer-by", author_association="CONTRIBUTOR"),
            item("issue_comment:5"),
        ],
        OWN,
        settings(),
    )
    assert [i.id for i in found.own] == ["issue_comment:1"]
    reasons = {i.id: reason for i, reason in found.ignored}
    assert "feedback_bots" in reasons["issue_comment:2"]
    assert "feedback_bots" in reasons["issue_comment:3"]
    assert "CONTRIBUTOR" in reasons["issue_comment:4"]
    assert [i.id for i in found.actionable] == ["issue_comment:5"]


def test_a_listed_bot_may_ask_for_a_round() -> None:
    bot = item("issue_comment:1", author="lint[bot]", author_association="NONE")
    found = sort_feedback([bot], OWN, settings(feedback_bots=["lint[bot]"]))
    assert found.actionable == [bot]


@pytest.mark.parametrize(
    ("fields", "actionable"),
    [
        ({"body": "looks odd to me"}, False),  # a PR comment must address the factory
        ({"body": "@bot /factory fix it"}, True),
        ({"kind": "review_comment", "body": "rename", "path": "a.py", "line": 3}, True),
        ({"kind": "review", "review_state": "CHANGES_REQUESTED", "body": "fix"}, True),
        ({"kind": "review", "review_state": "CHANGES_REQUESTED", "body": "  "}, False),
        ({"kind": "review", "review_state": "COMMENTED", "body": "nice"}, False),
    ],
)
def test_what_asks_the_factory_for_a_round(fields: dict[str, object], actionable: bool) -> None:
    found = sort_feedback([item("x:1", **fields)], OWN, settings())
    assert bool(found.actionable) is actionable


def test_an_approval_is_set_apart() -> None:
    approval = item("review:1", kind="review", review_state="APPROVED", body="")
    assert sort_feedback([approval], OWN, settings()).approvals == [approval]


def test_the_round_cap_refuses_with_the_setting_named() -> None:
    request = round_request("review", [item("issue_comment:9")], "abc")
    reason = round_refusal(state(round=2), request, settings(max_followup_rounds=2), "app")
    assert reason is not None and "max_followup_rounds = 2" in reason
    assert round_refusal(state(round=1), request, settings(max_followup_rounds=2), "app") is None


def test_the_per_pr_budget_refuses_once_spent() -> None:
    now = datetime.now(UTC)
    spent = RoundLogEntry(
        number=1,
        kind="review",
        outcome="pushed",
        head_sha="abc",
        summary="s",
        cost_usd=0.6,
        model_calls=3,
        started_at=now,
    )
    request = round_request("review", [item("issue_comment:9")], "def")
    reason = round_refusal(
        state(round=1, rounds=[spent]), request, settings(followup_budget_usd=0.5), "app"
    )
    assert reason is not None and "followup_budget_usd" in reason


def test_the_same_feedback_on_an_unchanged_branch_is_refused_but_not_after_a_push() -> None:
    last = round_request("review", [item("issue_comment:1", body="/factory Rename it")], "abc")
    again = round_request("review", [item("issue_comment:7", body=" /factory  rename IT ")], "abc")
    assert again.signature == last.signature
    reason = round_refusal(state(round=1, round_request=last), again, settings(), "app")
    assert reason is not None and "repeats round 1" in reason
    moved = again.model_copy(update={"head_sha": "def"})
    assert round_refusal(state(round=1, round_request=last), moved, settings(), "app") is None
