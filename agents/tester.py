"""The tester: writes tests for the ticket; then the suite itself says whether the change holds.

The verdict never comes from a model: `check` runs the repository's test command in the
sandbox and compares per-test outcomes with the same suite on the base commit.
"""

from agents.models import AddedTests, Plan
from agents.runtime import AgentDeps, run_role
from agents.test_report import TestReport, compare, detect_test_command, run_test_suite
from harness.loop import AgentResult
from harness.tools import coding_tools

FALLBACK_TEST_COMMAND = "python3 -m pytest -q"


def test_command(deps: AgentDeps) -> str:
    return deps.test_command or detect_test_command(deps.worktree) or FALLBACK_TEST_COMMAND


def write_tests(deps: AgentDeps, ticket: str, plan: Plan) -> AgentResult:
    task = (
        f"## Ticket\n{ticket}\n\n## Plan\n{plan.model_dump_json(indent=2)}\n\n"
        f"## Test command\n`{test_command(deps)}`\n\n"
        "The coder has made the change. Write the tests this ticket needs, run them, and submit."
    )
    tools = coding_tools(deps.tool_root, deps.sandbox)
    return run_role(deps, "tester", task, tools, AddedTests)


def check(deps: AgentDeps, baseline: TestReport | None) -> TestReport:
    """Run the whole suite now and compare it with `baseline` (the base commit's run)."""
    after = run_test_suite(
        deps.sandbox, deps.worktree, test_command(deps), timeout=deps.command_timeout_s
    )
    return compare(after, baseline, baseline.baseline_sha if baseline else None)
