"""run_command: a shell command in the sandbox, output trimmed for the model."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from harness.tools.base import ToolArgs, ToolOutput
from harness.tools.truncate import DEFAULT_LIMIT, truncate_middle
from sandboxes.base import ExecResult, Sandbox

HOW_TO_SEE_MORE = (
    "Re-run the command piped through grep, head, tail or sed -n 'START,ENDp' to see a part"
)


class CommandArgs(ToolArgs):
    command: str = Field(description="Shell command, run with the worktree as /workspace.")
    timeout_s: float | None = Field(
        default=None, gt=0, description="Seconds before the command is killed."
    )


def describe_result(result: ExecResult, limit: int = DEFAULT_LIMIT) -> str:
    """Exit status first (the model decides on it), then output, middle trimmed when long."""
    status = f"exit code {result.exit_code}"
    if result.timed_out:
        status += " (timed out and was killed)"
    if result.oom_killed:
        status += " (killed: out of memory)"
    if result.pids_exhausted:
        status += (
            " (its processes filled the sandbox's process limit and stayed, so the sandbox was "
            "restarted: every process in it was stopped and /tmp and HOME were emptied)"
        )
    if result.truncated:
        status += " (the sandbox kept only the head and tail of a very long output)"
    parts = [status]
    if result.stdout:
        parts.append("stdout:\n" + result.stdout.rstrip("\n"))
    if result.stderr:
        parts.append("stderr:\n" + result.stderr.rstrip("\n"))
    return truncate_middle("\n".join(parts), limit, how_to_see_more=HOW_TO_SEE_MORE)


class RunCommand:
    name: ClassVar[str] = "run_command"
    description: ClassVar[str] = (
        "Run a shell command in the sandbox (no network). The worktree is /workspace. "
        "Returns the exit code and output; long output is trimmed in the middle."
    )
    may_change_files: ClassVar[bool] = True
    args_model = CommandArgs

    def __init__(
        self,
        sandbox: Sandbox,
        *,
        default_timeout_s: float = 300.0,
        max_timeout_s: float = 1800.0,
        output_limit: int = DEFAULT_LIMIT,
    ) -> None:
        self.sandbox = sandbox
        self.default_timeout_s = default_timeout_s
        self.max_timeout_s = max_timeout_s
        self.output_limit = output_limit

    def run(self, args: CommandArgs) -> ToolOutput:
        timeout = min(args.timeout_s or self.default_timeout_s, self.max_timeout_s)
        result = self.sandbox.exec(args.command, timeout=timeout)
        return ToolOutput(
            text=describe_result(result, self.output_limit), exit_code=result.exit_code
        )
