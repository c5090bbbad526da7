"""The reviewer: reads the diff against the ticket, plan and rules; approves or asks for changes."""

from agents.models import Plan, Review
from agents.runtime import AgentDeps, run_role
from harness.loop import AgentResult
from harness.tools import read_only_tools

MAX_DIFF_CHARS = 60_000


def review(deps: AgentDeps, ticket: str, plan: Plan, diff: str, tests: str) -> AgentResult:
    shown = diff if len(diff) <= MAX_DIFF_CHARS else diff[:MAX_DIFF_CHARS] + "\n... (diff cut)"
    task = (
        f"## Ticket\n{ticket}\n\n## Plan\n{plan.model_dump_json(indent=2)}\n\n"
        f"## Test results\n{tests}\n\n## Diff against the base branch\n```diff\n{shown}\n```\n\n"
        "Review the change and submit your verdict."
    )
    return run_role(deps, "reviewer", task, read_only_tools(deps.tool_root), Review)
