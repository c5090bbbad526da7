"""Judging a candidate's two states: FAIL_TO_PASS, PASS_TO_PASS, and every reason to drop it."""

from agents.test_report import TestCase, TestReport
from factory.eval.validation import judge_states


def report(structured: bool = True, **outcomes: str) -> TestReport:
    cases = [TestCase(id=name.replace("__", "::"), outcome=o) for name, o in outcomes.items()]
    return TestReport(command="pytest", exit_code=0, cases=cases, structured=structured)


def test_fail_to_pass_includes_tests_absent_or_failing_before() -> None:
    before = report(a__old="passed", a__fixed="failed")
    after = report(a__old="passed", a__fixed="passed", a__new="passed", a__broken="failed")
    result = judge_states([before, before], [after, after])
    assert result.dropped is None
    assert result.fail_to_pass == ["a::fixed", "a::new"]
    assert result.pass_to_pass == ["a::old"]
    assert result.test_runs == 4


def test_a_test_that_changes_outcome_between_repeats_drops_the_candidate() -> None:
    before = [report(a__x="failed"), report(a__x="passed")]
    after = [report(a__x="passed"), report(a__x="passed")]
    result = judge_states(before, after)
    assert result.dropped is not None and result.dropped.startswith("flaky: a::x")


def test_no_fail_to_pass_and_no_per_test_report_drop_it_with_the_reason() -> None:
    same = report(a__x="passed")
    assert (
        judge_states([same], [same]).dropped == "no test fails without the fix and passes with it"
    )
    blind = report(structured=False)
    dropped = judge_states([blind], [blind]).dropped
    assert dropped is not None and "no per-test report" in dropped
