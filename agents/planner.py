"""The planner: reads the repository and the ticket, writes a `Plan`. Changes nothing."""

from agents.models import Plan
from agents.runtime import AgentDeps, run_role
from harness.loop import AgentResult
from harness.tools import read_only_tools


def plan(deps: AgentDeps, ticket: str) -> AgentResult:
    task = f"## Ticket\n{ticket}\n\nWrite the plan for this ticket and submit it."
    return run_role(deps, "planner", task, read_only_tools(deps.tool_root), Plan)
