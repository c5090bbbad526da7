"""Where the graph goes after test and review: back to the coder while rounds remain."""

from langgraph.graph import END

from agents.models import Review
from agents.test_report import TestReport
from factory.run.graph import after_review, after_test
from factory.run.state import RunState
from factory.tickets.model import Ticket

TICKET = Ticket(key="7", ref="t.md", title="t", source="markdown")


def state(**fields: object) -> RunState:
    base: dict[str, object] = dict(
        run_id="r-1", ticket=TICKET, repo="app", base_branch="main", branch="factory/7-t"
    )
    return RunState.model_validate({**base, **fields})


def report(exit_code: int) -> TestReport:
    return TestReport(command="pytest", exit_code=exit_code)


def test_red_tests_go_back_to_the_coder_while_rounds_remain() -> None:
    assert after_test(state(iteration=1, max_iterations=3, test_reports=[report(1)])) == "code"


def test_red_tests_with_no_rounds_left_go_to_the_gate_for_a_human() -> None:
    assert after_test(state(iteration=3, max_iterations=3, test_reports=[report(1)])) == "gate"


def test_green_tests_go_to_review() -> None:
    assert after_test(state(iteration=1, test_reports=[report(0)])) == "review"


def test_an_ended_run_stops() -> None:
    assert after_test(state(ending="budget_exceeded")) == END
    assert after_review(state(ending="failed")) == END


def test_requested_changes_go_back_to_the_coder_then_to_the_gate() -> None:
    changes = Review(verdict="request_changes")
    assert after_review(state(iteration=1, max_iterations=2, review=changes)) == "code"
    assert after_review(state(iteration=2, max_iterations=2, review=changes)) == "gate"
    assert after_review(state(iteration=1, review=Review(verdict="approve"))) == "gate"


def test_a_base_update_recheck_goes_from_the_tests_to_the_gate_with_no_agent() -> None:
    """The reviewer's verdict on the unchanged change stands; red tests are the gate's to
    judge, not a coder round's (no agent runs for a base update)."""
    for code in (0, 1):
        reports = [report(code)]
        recheck = state(iteration=1, max_iterations=3, recheck_only=True, test_reports=reports)
        assert after_test(recheck) == "gate"
    assert after_test(state(recheck_only=True, ending="failed")) == END
