"""`tests_green` reads the sandbox suite and, when read, the forge's required checks, and its
reasons say which of the two it read."""

from policy_builders import context

from policies.builtin.tests_green import TestsGreenParams, evaluate
from policies.models import ChecksSummary, Outcome, TestSummary


def test_without_forge_checks_the_verdict_says_they_were_not_read() -> None:
    verdict = evaluate(context(), TestsGreenParams())
    assert verdict.outcome == Outcome.ALLOW
    assert verdict.reasons == ["sandbox suite: no newly failing tests", "forge checks: not read"]


def test_green_checks_and_green_suite_allow_naming_both() -> None:
    checks = ChecksSummary(sha="abc", state="green", required=["test", "lint"])
    verdict = evaluate(context(checks=checks), TestsGreenParams())
    assert verdict.outcome == Outcome.ALLOW
    assert verdict.reasons == ["sandbox suite: no newly failing tests", "forge checks green (2)"]


def test_a_failing_required_check_fails_even_with_a_green_suite() -> None:
    checks = ChecksSummary(sha="abc", state="failing", required=["test"], failing=["test"])
    verdict = evaluate(context(checks=checks), TestsGreenParams())
    assert verdict.outcome == Outcome.NEEDS_HUMAN
    assert verdict.reasons == ["forge checks failing: test"]


def test_pending_checks_do_not_fail_the_policy_but_say_the_merge_waits() -> None:
    checks = ChecksSummary(sha="abc", state="pending", required=["test"], pending=["test"])
    verdict = evaluate(context(checks=checks), TestsGreenParams())
    assert verdict.outcome == Outcome.ALLOW
    assert "forge checks pending: test (merge waits)" in verdict.reasons


def test_a_red_suite_and_red_checks_report_both() -> None:
    checks = ChecksSummary(sha="abc", state="failing", required=["ci"], failing=["ci"])
    tests = TestSummary(passed=False, newly_failing=["t::a"])
    verdict = evaluate(context(checks=checks, tests=tests), TestsGreenParams())
    assert verdict.outcome == Outcome.NEEDS_HUMAN
    assert verdict.reasons == [
        "sandbox suite: 1 newly failing test: t::a",
        "forge checks failing: ci",
    ]
