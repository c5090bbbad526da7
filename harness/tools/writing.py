"""File tools that change the worktree: edit_file (exact, unique replacement) and create_file."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from harness.errors import ToolError
from harness.tools.base import ToolArgs, ToolOutput
from harness.tools.reading import read_text
from harness.tools.worktree import ConfinedRoot

CONTEXT_LINES = 3


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def numbered_excerpt(text: str, first: int, last: int) -> str:
    lines = text.splitlines()
    start = max(first - CONTEXT_LINES, 1)
    end = min(last + CONTEXT_LINES, len(lines))
    return "\n".join(f"{n:>6}\t{lines[n - 1]}" for n in range(start, end + 1))


class EditArgs(ToolArgs):
    path: str = Field(description="File to change, relative to the worktree root.")
    old_string: str = Field(
        description="Exact text to replace, including whitespace; it must occur exactly once."
    )
    new_string: str = Field(description="Text to put in its place.")


class EditFile:
    name: ClassVar[str] = "edit_file"
    description: ClassVar[str] = (
        "Replace one exact, unique occurrence of old_string in a file with new_string. "
        "Copy old_string from view_file output (without the line numbers)."
    )
    may_change_files: ClassVar[bool] = True
    args_model = EditArgs

    def __init__(self, worktree: ConfinedRoot) -> None:
        self.worktree = worktree

    def run(self, args: EditArgs) -> ToolOutput:
        real = self.worktree.resolve(args.path)
        shown = self.worktree.display(real)
        if not args.old_string:
            raise ToolError("old_string is empty; to write a whole file use create_file")
        text = read_text(real, shown)
        starts = _occurrences(text, args.old_string)
        if not starts:
            raise ToolError(
                f"old_string was not found in {shown}; view_file it and copy the exact text, "
                "including indentation and whitespace"
            )
        if len(starts) > 1:
            lines = ", ".join(str(line_of(text, s)) for s in starts[:20])
            raise ToolError(
                f"old_string was found {len(starts)} times in {shown} (at lines {lines}); "
                "include more surrounding lines so it matches exactly once"
            )
        start = starts[0]
        updated = text[:start] + args.new_string + text[start + len(args.old_string) :]
        real.write_bytes(updated.encode("utf-8"))
        first = line_of(updated, start)
        last = line_of(updated, start + max(len(args.new_string) - 1, 0))
        return ToolOutput(
            text=f"edited {shown}; lines {first}-{last} now read:\n"
            + numbered_excerpt(updated, first, last)
        )


def _occurrences(text: str, needle: str) -> list[int]:
    found = []
    at = text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


class CreateArgs(ToolArgs):
    path: str = Field(description="New file's path, relative to the worktree root.")
    content: str = Field(description="The whole content of the file.")
    overwrite: bool = Field(default=False, description="Replace the file if it already exists.")


class CreateFile:
    name: ClassVar[str] = "create_file"
    description: ClassVar[str] = (
        "Create a file with the given content (parent directories are created). "
        "Refuses to replace an existing file unless overwrite is true."
    )
    may_change_files: ClassVar[bool] = True
    args_model = CreateArgs

    def __init__(self, worktree: ConfinedRoot) -> None:
        self.worktree = worktree

    def run(self, args: CreateArgs) -> ToolOutput:
        real = self.worktree.resolve(args.path)
        shown = self.worktree.display(real)
        if real.is_dir():
            raise ToolError(f"{shown} is a directory")
        if real.exists() and not real.is_file():
            raise ToolError(f"{shown} exists and is not a regular file")
        if real.exists() and not args.overwrite:
            raise ToolError(
                f"{shown} already exists; change it with edit_file, or set overwrite=true"
            )
        real.parent.mkdir(parents=True, exist_ok=True)
        real.write_bytes(args.content.encode("utf-8"))
        lines = args.content.count("\n") + (0 if args.content.endswith("\n") else 1)
        return ToolOutput(text=f"wrote {shown} ({lines} lines)")
