"""One short line for what an agent is doing: `coder · edit numerals/roman.py`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.events import HarnessEvent

VERBS = {
    "edit_file": "edit",
    "create_file": "create",
    "view_file": "view",
    "list_files": "list",
    "search_files": "search",
    "run_command": "run",
    "submit": "submit",
}
LIMIT = 60


def activity_line(event: HarnessEvent) -> str | None:
    """For a tool call: `role · verb argument`; when an agent starts: `role · started`.

    Model calls are not actions: the tool the model chose next is what the line shows.
    """
    if event.kind == "tool.call":
        verb = VERBS.get(event.tool or "", event.tool or "tool")
        argument = _first_value(event.args_summary or "")
        line = f"{event.role} · {verb} {argument}".rstrip()
    elif event.kind == "agent.start":
        line = f"{event.role} · started"
    else:
        return None
    return line if len(line) <= LIMIT else line[: LIMIT - 1] + "…"


def _first_value(summary: str) -> str:
    """`path=numerals/roman.py old_string=...` -> `numerals/roman.py`; `command=pytest -q`."""
    _key, found, rest = summary.partition("=")
    if not found:
        return summary
    following = re.search(r" [a-z_]+=", rest)
    return rest[: following.start()] if following else rest
