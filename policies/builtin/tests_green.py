"""No newly failing tests; optionally, a bug fix must come with a new test.

Two suites can speak: the sandbox suite the run itself ran (`ctx.tests`), and the forge's
required checks on the pushed head (`ctx.checks`, when they were read). The verdict's reasons
say which of the two it read. Failing required checks fail the policy; pending ones do not
(delivery waits for them before it merges, see docs/pull-requests.md "CI").
"""

from pydantic import BaseModel, ConfigDict, Field

from policies.models import GateContext, Outcome, Verdict

NAME = "tests_green"


class TestsGreenParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Outcome.NEEDS_HUMAN
    """What a change that breaks tests (or has no test report) gets."""
    require_new_test_for_bugs: bool = False
    """A bug ticket must add at least one test (a regression test for the bug)."""
    bug_labels: list[str] = Field(default_factory=lambda: ["bug"])
    """Ticket labels that make it a bug ticket (besides `kind = "bug"`)."""


def _is_bug(ctx: GateContext, params: TestsGreenParams) -> bool:
    wanted = {label.lower() for label in params.bug_labels}
    return ctx.ticket.kind == "bug" or any(label.lower() in wanted for label in ctx.ticket.labels)


def _checks_reading(ctx: GateContext) -> tuple[list[str], list[str]]:
    """(problems, notes) of the forge's checks, each line naming the forge checks."""
    checks = ctx.checks
    if checks is None:
        return [], ["forge checks: not read"]
    if checks.state == "failing":
        return [f"forge checks failing: {', '.join(checks.failing[:5])}"], []
    if checks.state == "pending":
        return [], [f"forge checks pending: {', '.join(checks.pending[:5])} (merge waits)"]
    if checks.state == "none":
        return [], ["forge checks: none reported"]
    return [], [f"forge checks green ({len(checks.required)})"]


def evaluate(ctx: GateContext, params: TestsGreenParams) -> Verdict:
    verdict = _sandbox_verdict(ctx, params)
    problems, notes = _checks_reading(ctx)
    if problems:
        failing = [r for r in verdict.reasons if verdict.outcome != Outcome.ALLOW]
        return Verdict(outcome=params.outcome, reasons=[*failing, *problems])
    return verdict.model_copy(update={"reasons": [*verdict.reasons, *notes]})


def _sandbox_verdict(ctx: GateContext, params: TestsGreenParams) -> Verdict:
    report = ctx.tests
    if report is None:
        return Verdict(
            outcome=params.outcome, reasons=["sandbox suite: no test report, the suite did not run"]
        )
    problems = []
    if report.newly_failing:
        shown = ", ".join(report.newly_failing[:5])
        more = f" and {len(report.newly_failing) - 5} more" if len(report.newly_failing) > 5 else ""
        count = len(report.newly_failing)
        tests = "test" if count == 1 else "tests"
        problems.append(f"{count} newly failing {tests}: {shown}{more}")
    elif not report.passed and not report.still_failing:
        problems.append("the test suite failed")
    if params.require_new_test_for_bugs and _is_bug(ctx, params) and report.new_tests_added == 0:
        problems.append("bug ticket without a new test reproducing the bug")
    if problems:
        return Verdict(outcome=params.outcome, reasons=[f"sandbox suite: {p}" for p in problems])
    reasons = ["sandbox suite: no newly failing tests"]
    if report.still_failing:
        count = len(report.still_failing)
        already = "test was" if count == 1 else "tests were"
        reasons.append(f"{count} {already} already failing before")
    return Verdict(outcome=Outcome.ALLOW, reasons=reasons)


PARAMS = TestsGreenParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
