"""Read-only file tools: view_file, list_files, search."""

from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from harness.errors import ToolError
from harness.tools.base import ToolArgs, ToolOutput
from harness.tools.truncate import truncate_middle
from harness.tools.worktree import ConfinedRoot

MAX_VIEW_LINES = 400
MAX_LISTED_FILES = 1000
MAX_MATCHES = 200
MAX_SEARCHED_BYTES = 2_000_000
MAX_READ_BYTES = 20_000_000


def read_text(path: Path, shown: str) -> str:
    """A worktree file as text; directories, binaries and missing files are tool errors."""
    if path.is_dir():
        raise ToolError(f"{shown} is a directory; use list_files to see what it holds")
    if path.exists() and not path.is_file():
        # A FIFO or device planted by a command would block or flood the harness.
        raise ToolError(f"{shown} is not a regular file")
    try:
        if path.stat().st_size > MAX_READ_BYTES:
            raise ToolError(
                f"{shown} is larger than {MAX_READ_BYTES // 1_000_000} MB; "
                "look at parts of it with run_command (head, sed -n, grep)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise ToolError(f"{shown} does not exist; use list_files to find the right path") from None
    except OSError as exc:
        raise ToolError(f"cannot read {shown}: {exc.strerror}") from None
    if b"\0" in data[:8192]:
        raise ToolError(f"{shown} is a binary file and cannot be shown as text")
    return data.decode("utf-8", errors="replace")


class ViewArgs(ToolArgs):
    path: str = Field(description="File path relative to the worktree root.")
    start_line: int = Field(default=1, ge=1, description="First line to show (1-based).")
    end_line: int | None = Field(
        default=None, ge=1, description="Last line to show (inclusive); omit for the rest."
    )


class ViewFile:
    name: ClassVar[str] = "view_file"
    description: ClassVar[str] = (
        f"Show a text file with line numbers, at most {MAX_VIEW_LINES} lines at a time."
    )
    args_model = ViewArgs

    def __init__(self, worktree: ConfinedRoot) -> None:
        self.worktree = worktree

    def run(self, args: ViewArgs) -> ToolOutput:
        real = self.worktree.resolve(args.path)
        shown = self.worktree.display(real)
        lines = read_text(real, shown).splitlines()
        if not lines:
            return ToolOutput(text=f"{shown} is empty")
        if args.start_line > len(lines):
            raise ToolError(f"{shown} has only {len(lines)} lines; start_line is past the end")
        last = min(args.end_line or len(lines), len(lines), args.start_line + MAX_VIEW_LINES - 1)
        numbered = [f"{n:>6}\t{lines[n - 1]}" for n in range(args.start_line, last + 1)]
        text = "\n".join(numbered)
        if last < len(lines) and (args.end_line is None or last < args.end_line):
            text += (
                f"\n(showing lines {args.start_line}-{last} of {len(lines)}; "
                f"call view_file with start_line={last + 1} to see more)"
            )
        return ToolOutput(text=text)


class ListArgs(ToolArgs):
    pattern: str | None = Field(
        default=None, description="Glob such as '*.py' or 'src/**/*.ts'; omit for all files."
    )
    path: str = Field(default=".", description="Directory to list, relative to the root.")


def matches_glob(relative: str, pattern: str) -> bool:
    name = relative.rsplit("/", 1)[-1]
    candidates = {pattern, pattern.replace("**/", "")}
    return any(
        fnmatch.fnmatchcase(relative, p) or ("/" not in p and fnmatch.fnmatchcase(name, p))
        for p in candidates
    )


def worktree_files(worktree: ConfinedRoot, directory: Path) -> list[str]:
    """Files under `directory`, relative to the root; honours .gitignore in a git repository."""
    if (worktree.root / ".git").exists():
        listed = subprocess.run(
            # The worktree is writable from the sandbox, so its git config is untrusted:
            # an fsmonitor or hook set there must not run on the host.
            ["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"]
            + ["-C", str(worktree.root), "ls-files", "-z", "--cached", "--others"]
            + ["--exclude-standard", "--", worktree.display(directory)],
            capture_output=True,
            check=False,
        )
        if listed.returncode == 0:
            names = sorted({n for n in listed.stdout.decode(errors="replace").split("\0") if n})
            # --cached still lists files deleted from the working tree.
            return [n for n in names if (worktree.root / n).is_file()]
    files = []
    for candidate in directory.rglob("*"):
        relative = candidate.relative_to(worktree.root)
        if relative.parts[0] != ".git" and candidate.is_file():
            files.append(relative.as_posix())
    return sorted(files)


class ListFiles:
    name: ClassVar[str] = "list_files"
    description: ClassVar[str] = (
        "List files in the worktree (ignored files are left out), optionally filtered by a glob."
    )
    args_model = ListArgs

    def __init__(self, worktree: ConfinedRoot) -> None:
        self.worktree = worktree

    def run(self, args: ListArgs) -> ToolOutput:
        directory = self.worktree.resolve(args.path)
        if not directory.is_dir():
            raise ToolError(f"{args.path} is not a directory")
        files = worktree_files(self.worktree, directory)
        if args.pattern:
            files = [f for f in files if matches_glob(f, args.pattern)]
        if not files:
            return ToolOutput(text="no files match")
        shown = files[:MAX_LISTED_FILES]
        text = "\n".join(shown)
        if len(files) > len(shown):
            text += (
                f"\n(showing {len(shown)} of {len(files)} files; "
                "narrow the listing with path or pattern)"
            )
        return ToolOutput(text=text)


class SearchArgs(ToolArgs):
    pattern: str = Field(description="Python regular expression to look for, line by line.")
    glob: str | None = Field(default=None, description="Only search files matching this glob.")
    path: str = Field(default=".", description="Directory to search, relative to the root.")
    ignore_case: bool = False


class Search:
    name: ClassVar[str] = "search"
    description: ClassVar[str] = (
        "Search the worktree's text files for a regular expression; shows path:line: text."
    )
    args_model = SearchArgs

    def __init__(self, worktree: ConfinedRoot) -> None:
        self.worktree = worktree

    def run(self, args: SearchArgs) -> ToolOutput:
        try:
            regex = re.compile(args.pattern, re.IGNORECASE if args.ignore_case else 0)
        except re.error as exc:
            raise ToolError(f"invalid regular expression {args.pattern!r}: {exc}") from None
        directory = self.worktree.resolve(args.path)
        if not directory.is_dir():
            raise ToolError(f"{args.path} is not a directory; use view_file for one file")
        hits: list[str] = []
        total = 0
        for relative in worktree_files(self.worktree, directory):
            if args.glob and not matches_glob(relative, args.glob):
                continue
            total += self._search_file(relative, regex, hits)
        if not hits:
            return ToolOutput(text="no matches")
        text = "\n".join(hits)
        if total > len(hits):
            text += f"\n(showing {len(hits)} of {total} matches; narrow with glob or path)"
        return ToolOutput(text=truncate_middle(text, how_to_see_more="narrow with glob or path"))

    def _search_file(self, relative: str, regex: re.Pattern[str], hits: list[str]) -> int:
        try:
            real = self.worktree.resolve(relative)
        except ToolError:
            return 0  # a symlink leading out is skipped, never read
        try:
            if not real.is_file() or real.stat().st_size > MAX_SEARCHED_BYTES:
                return 0
            data = real.read_bytes()
        except OSError:
            return 0
        if b"\0" in data[:8192]:
            return 0
        found = 0
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
            if regex.search(line):
                found += 1
                if len(hits) < MAX_MATCHES:
                    hits.append(f"{relative}:{number}: {line[:200]}")
        return found
