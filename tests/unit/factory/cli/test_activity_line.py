"""The live views' one-line summary of what an agent is doing."""

from __future__ import annotations

from factory.cli.activity import activity_line
from harness.events import HarnessEvent


def test_a_tool_call_reads_as_role_verb_and_its_main_argument() -> None:
    edit = HarnessEvent(
        kind="tool.call",
        role="coder",
        tool="edit_file",
        args_summary="path=numerals/roman.py old_string=    total = 0 new_string=...",
    )
    assert activity_line(edit) == "coder · edit numerals/roman.py"
    run = HarnessEvent(
        kind="tool.call", role="tester", tool="run_command", args_summary="command=pytest -q"
    )
    assert activity_line(run) == "tester · run pytest -q"


def test_bookkeeping_events_are_not_activity() -> None:
    assert activity_line(HarnessEvent(kind="context.elided", role="coder")) is None
