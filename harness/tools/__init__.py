"""Tools an agent can call, and the sets each kind of agent gets."""

from __future__ import annotations

from pydantic import BaseModel

from harness.tools.base import Tool, Toolbox, ToolOutput, schema_of
from harness.tools.command import RunCommand
from harness.tools.finish import FinishTool
from harness.tools.reading import ListFiles, Search, ViewFile
from harness.tools.worktree import ConfinedRoot
from harness.tools.writing import CreateFile, EditFile
from sandboxes.base import Sandbox


def read_only_tools(worktree: ConfinedRoot) -> list[Tool]:
    """For agents that must not change anything (planner, reviewer)."""
    return [ViewFile(worktree), ListFiles(worktree), Search(worktree)]


def coding_tools(
    worktree: ConfinedRoot, sandbox: Sandbox, *, command_timeout_s: float = 300.0
) -> list[Tool]:
    """For agents that change the worktree and run commands (coder, tester)."""
    return [
        *read_only_tools(worktree),
        EditFile(worktree),
        CreateFile(worktree),
        RunCommand(sandbox, default_timeout_s=command_timeout_s),
    ]


def toolbox_for(tools: list[Tool], output_model: type[BaseModel]) -> Toolbox:
    """`tools` plus the `submit` tool that validates against `output_model`."""
    return Toolbox([*tools, FinishTool(output_model)])


__all__ = [
    "CreateFile",
    "EditFile",
    "FinishTool",
    "ListFiles",
    "RunCommand",
    "Search",
    "Tool",
    "ToolOutput",
    "Toolbox",
    "ViewFile",
    "ConfinedRoot",
    "coding_tools",
    "read_only_tools",
    "schema_of",
    "toolbox_for",
]
