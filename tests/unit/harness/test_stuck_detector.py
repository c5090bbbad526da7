"""The stuck detector: each pattern stops an agent (`stuck`) through the real loop, with real
file tools on a real folder; thresholds come from `[stuck]`; the defaults never trip on any
demo cassette."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from factory.demo import run_demo
from harness.budget import RunBudget
from harness.config import BudgetConfig, StuckConfig
from harness.events import HarnessEvent
from harness.loop import AgentResult, run_agent
from harness.replay import ReplayModel
from harness.stuck import StuckDetector, call_key
from harness.tools import ConfinedRoot, read_only_tools
from harness.tools.writing import CreateFile, EditFile

DEMO_CASSETTES = sorted(
    [run_demo.CASSETTE, *(Path(run_demo.__file__).parent / "backlog").glob("*.jsonl")]
)
WRITING_TOOLS = {"edit_file", "create_file", "run_command"}


class Answer(BaseModel):
    summary: str


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def turn(*calls: dict[str, Any], text: str = "") -> dict[str, Any]:
    return {"text": text, "tool_calls": list(calls)}


@pytest.fixture
def folder(tmp_path: Path) -> ConfinedRoot:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("a.py", "b.py", "c.py"):
        (root / name).write_text(f"# {name}\n")
    return ConfinedRoot(root)


def play(
    tmp_path: Path,
    folder: ConfinedRoot,
    replies: list[dict[str, Any]],
    *,
    writes: bool = False,
    **thresholds: int,
) -> tuple[AgentResult, list[HarnessEvent]]:
    cassette = tmp_path / "turns.jsonl"
    cassette.write_text("".join(json.dumps({"reply": r}) + "\n" for r in replies))
    tools = [*read_only_tools(folder)]
    if writes:
        tools += [EditFile(folder), CreateFile(folder)]
    events: list[HarnessEvent] = []
    result = run_agent(
        ReplayModel(cassette),
        "You fix bugs.",
        "Fix it.",
        tools,
        Answer,
        RunBudget(BudgetConfig()),
        events.append,
        role="coder",
        stuck=StuckConfig(**thresholds),
        files=folder,
    )
    return result, events


def test_the_same_call_again_and_again_is_stuck(tmp_path: Path, folder: ConfinedRoot) -> None:
    replies = [turn(call("view_file", path="a.py")) for _ in range(5)]
    result, events = play(tmp_path, folder, replies)
    assert result.stop_reason == "stuck" and result.stuck_pattern == "same_call"
    assert result.steps == 5 and result.output is None
    assert result.error == 'stuck: same_call: view_file({"path": "a.py"}) 5 times in a row'
    assert events[-1].kind == "agent.stop" and events[-1].message == result.error


def test_two_calls_taking_turns_are_stuck(tmp_path: Path, folder: ConfinedRoot) -> None:
    a, b = call("view_file", path="a.py"), call("view_file", path="b.py")
    result, _ = play(tmp_path, folder, [turn(a), turn(b)] * 3, alternating=3)
    assert result.stop_reason == "stuck" and result.stuck_pattern == "alternating"
    assert result.steps == 6
    assert "taking turns, 3 rounds" in (result.error or "")


def test_the_same_error_again_and_again_is_stuck_even_from_different_calls(
    tmp_path: Path, folder: ConfinedRoot
) -> None:
    # Arguments differ every time; the answer does not.
    replies = [turn(call("frobnicate", attempt=n)) for n in range(4)]
    result, _ = play(tmp_path, folder, replies, same_error=4)
    assert result.stop_reason == "stuck" and result.stuck_pattern == "same_error"
    assert "the same error 4 times in a row: unknown tool 'frobnicate'" in (result.error or "")


def test_replies_without_a_tool_call_are_stuck_after_the_nudges(
    tmp_path: Path, folder: ConfinedRoot
) -> None:
    replies = [turn(text="I think the answer is 42.") for _ in range(3)]
    result, _ = play(tmp_path, folder, replies)
    assert result.stop_reason == "stuck" and result.stuck_pattern == "no_tool_call"
    assert result.error == "stuck: no_tool_call: 3 replies in a row without a tool call"


def test_a_coding_agent_that_changes_no_file_is_stuck(tmp_path: Path, folder: ConfinedRoot) -> None:
    reads = [turn(call("view_file", path=name)) for name in ("a.py", "b.py", "c.py", "a.py")]
    result, _ = play(tmp_path, folder, reads, writes=True, no_file_change=4)
    assert result.stop_reason == "stuck" and result.stuck_pattern == "no_file_change"
    assert result.error == "stuck: no_file_change: 4 turns in a row without changing a file"


def test_changing_a_file_resets_the_count_and_a_read_only_agent_is_never_counted(
    tmp_path: Path, folder: ConfinedRoot
) -> None:
    replies = [
        turn(call("view_file", path="a.py")),
        turn(call("view_file", path="b.py")),
        turn(call("create_file", path="d.py", content="x = 1\n")),
        turn(call("view_file", path="c.py")),
        turn(call("view_file", path="d.py")),
        turn(call("submit", summary="done")),
    ]
    result, _ = play(tmp_path, folder, replies, writes=True, no_file_change=3)
    assert result.stop_reason == "done", result.error
    # The same reads by an agent without writing tools are not coding turns.
    reads = [turn(call("view_file", path=n)) for n in ("a.py", "b.py", "c.py", "a.py")]
    result, _ = play(tmp_path, folder, [*reads, turn(call("submit", summary="ok"))])
    assert result.stop_reason == "done"


def test_a_write_that_leaves_the_bytes_and_times_alone_is_no_change(folder: ConfinedRoot) -> None:
    before = folder.fingerprint()
    assert folder.fingerprint() == before
    (folder.root / "b.py").write_text("# b.py changed\n")
    after = folder.fingerprint()
    assert after != before
    (folder.root / "new").mkdir()
    (folder.root / "new" / "e.py").write_text("")
    assert folder.fingerprint() != after
    (folder.root / ".git").mkdir()
    unchanged = folder.fingerprint()
    (folder.root / ".git" / "index").write_text("git's own bookkeeping")
    assert folder.fingerprint() == unchanged


def test_a_threshold_of_zero_turns_its_check_off(tmp_path: Path, folder: ConfinedRoot) -> None:
    replies = [*(turn(call("view_file", path="a.py")) for _ in range(6))]
    replies.append(turn(call("submit", summary="read it")))
    result, _ = play(tmp_path, folder, replies, same_call=0)
    assert result.stop_reason == "done"


def test_a_submission_in_the_turn_that_completes_a_pattern_still_counts(
    tmp_path: Path, folder: ConfinedRoot
) -> None:
    a = call("view_file", path="a.py")
    replies = [turn(a), turn(a), turn(a, call("submit", summary="done"))]
    result, _ = play(tmp_path, folder, replies, same_call=3)
    assert result.stop_reason == "done"


def _longest_streaks(replies: list[dict[str, Any]]) -> dict[str, int]:
    """Each pattern's longest streak in a cassette's turns, per agent (a `submit` ends one).

    Every call is taken to succeed and only edits and commands to change files: no error
    streak, and the longest possible stretch without a change."""
    longest: dict[str, int] = {}
    detector = StuckDetector(StuckConfig(), watches_files=True)
    for reply in replies:
        calls = reply.get("tool_calls") or []
        if not calls:
            detector.saw_reply_without_calls()
        for made in calls:
            key = call_key(made["name"], made["arguments"], None)
            detector.saw_call(key, is_error=False, result="")
        if calls:
            detector.saw_turn_end(any(c["name"] in WRITING_TOOLS for c in calls))
        for pattern, streak in detector.streaks.items():
            longest[pattern] = max(longest.get(pattern, 0), streak)
        if any(c["name"] == "submit" for c in calls):
            detector = StuckDetector(StuckConfig(), watches_files=True)
    return longest


@pytest.mark.parametrize("cassette", DEMO_CASSETTES, ids=lambda path: path.name)
def test_the_defaults_never_trip_on_a_demo_cassette(cassette: Path) -> None:
    lines = cassette.read_text().splitlines()
    replies = [json.loads(line)["reply"] for line in lines if line and not line.startswith("#")]
    longest = _longest_streaks(replies)
    defaults = StuckConfig()
    for pattern, streak in longest.items():
        # At most half the threshold: a normal run is nowhere near it.
        assert streak * 2 <= getattr(defaults, pattern), (cassette.name, pattern, streak)
