"""The diff hunk an inline comment points at, cut the way GitHub cuts `diff_hunk`: from the
hunk's `@@` header down to the commented line of the new file."""

from __future__ import annotations

import re

_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def hunk_at_line(diff: str, line: int) -> str | None:
    """The hunk of a one-file unified `diff` holding new-file `line`, up to that line; None
    when no hunk of the diff shows that line."""
    header: str | None = None
    kept: list[str] = []
    new_line = 0
    for text in diff.splitlines():
        match = _HEADER.match(text)
        if match:
            header, kept, new_line = text, [text], int(match.group(1)) - 1
            continue
        if header is None or text.startswith("\\"):
            continue
        kept.append(text)
        if text.startswith("-"):
            continue
        new_line += 1
        if new_line == line:
            return "\n".join(kept)
    return None


def context_excerpt(path: str, content: str, line: int, before: int = 3) -> str:
    """A hunk-like excerpt of an unchanged file around `line`, for a comment outside the diff."""
    lines = content.splitlines()
    start = max(1, line - before)
    shown = lines[start - 1 : line]
    header = f"@@ {path}:{start}-{line} (unchanged by the pull request) @@"
    return "\n".join([header, *(f" {text}" for text in shown)])
