"""The coder: carries out the plan in the worktree; on feedback, fixes what was found."""

from agents.models import CodeChange, Plan
from agents.runtime import AgentDeps, run_role
from harness.loop import AgentResult
from harness.tools import coding_tools


def code(
    deps: AgentDeps,
    ticket: str,
    plan: Plan,
    feedback: str | None,
    round_brief: str | None = None,
) -> AgentResult:
    """`round_brief`: on a follow-up round, the reviewers' feedback (already fenced); the
    ticket and plan are then context only."""
    if round_brief is None:
        parts = [f"## Ticket\n{ticket}", f"## Plan\n{plan.model_dump_json(indent=2)}"]
    else:
        parts = [
            f"## Review feedback to address\n{round_brief}",
            f"## Ticket (context only: it is done)\n{ticket}",
            f"## Plan the pull request followed (context only)\n{plan.model_dump_json(indent=2)}",
        ]
    if feedback:
        parts.append(f"## Feedback from the previous iteration\n{feedback}")
    if deps.test_command:
        parts.append(f"## Test command\n`{deps.test_command}`")
    parts.append("Make the change, check it, and submit a summary.")
    tools = coding_tools(deps.tool_root, deps.sandbox)
    return run_role(deps, "coder", "\n\n".join(parts), tools, CodeChange)
