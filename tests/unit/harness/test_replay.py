"""Cassettes: sequential and strict replay, readable mismatches, and record-then-replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from harness.budget import RunBudget
from harness.config import BudgetConfig, OpenAIConfig
from harness.errors import CassetteError, ReplayMismatchError
from harness.loop import run_agent
from harness.messages import Message
from harness.replay import RecordingModel, ReplayModel
from harness.retry import RetryPolicy
from harness.tools import ConfinedRoot, read_only_tools

HAND_WRITTEN = """\
# The demo's planner: look at the code, then hand in a plan.
{"reply": {"text": "Look.", "tool_calls": [{"name": "view_file", "arguments": {"path": "a"}}]}}

{"reply": {"tool_calls": [{"name": "submit", "arguments": {"steps": ["fix it"]}}]}}
"""


class ReplayPlan(BaseModel):
    steps: list[str]


def test_sequential_mode_plays_hand_written_replies_in_order(tmp_path: Path) -> None:
    path = tmp_path / "plan.jsonl"
    path.write_text(HAND_WRITTEN)
    model = ReplayModel(path)
    first = model.complete([Message.user("anything")], [], system="whatever")
    assert first.text == "Look."
    assert first.tool_calls[0].id == "call_2_0"  # stable ids for calls written without one
    assert first.tool_calls[0].arguments == {"path": "a"}
    second = model.complete([], [], system="")
    assert second.tool_calls[0].name == "submit"
    assert model.remaining == 0


def test_running_out_of_replies_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "short.jsonl"
    path.write_text('{"reply": {"text": "only one"}}\n')
    model = ReplayModel(path)
    model.complete([], [], system="")
    with pytest.raises(CassetteError, match="has 1 replies and all were played"):
        model.complete([], [], system="")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "short.jsonl:1:2: line 1, column 2 is not valid JSON"),
        ('{"reply": {"tool_calls": [{"arguments": {}}]}}', "invalid reply: tool_calls.0.name"),
        ('{"request": {}}', "has no 'reply' object"),
    ],
)
def test_malformed_cassette_lines_are_named(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "short.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(CassetteError, match=problem):
        ReplayModel(path)


def test_missing_cassette_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="cannot read cassette"):
        ReplayModel(tmp_path / "absent.jsonl")


def test_strict_mode_needs_recorded_requests(tmp_path: Path) -> None:
    path = tmp_path / "plan.jsonl"
    path.write_text(HAND_WRITTEN)
    with pytest.raises(CassetteError, match="strict mode needs"):
        ReplayModel(path, mode="strict").complete([], [], system="")


def openai_completion(content: str | None, calls: list[tuple[str, str, dict[str, Any]]]) -> Any:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [
            {
                "id": cid,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for cid, name, args in calls
        ]
    return {
        "id": "chatcmpl",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-5.4",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": 50,
            "completion_tokens": 10,
            "total_tokens": 60,
            "prompt_tokens_details": {"cached_tokens": 20},
        },
    }


@pytest.fixture
def worktree(tmp_path: Path) -> ConfinedRoot:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.py").write_text("print('hi')\n")
    return ConfinedRoot(root)


TASK = "ReplayPlan a fix. Deploy token: ghp_abcdefghijklmnopqrstuvwxyz0123456789"


def record_a_run(wire: Any, worktree: ConfinedRoot, cassette: Path) -> Any:
    from harness.openai_model import OpenAIModel

    wire.reply(openai_completion("Looking.", [("call_a", "view_file", {"path": "a.py"})]))
    wire.reply(openai_completion(None, [("call_b", "submit", {"steps": ["edit a.py"]})]))
    config = OpenAIConfig(provider="openai", model="gpt-5.4", base_url=wire.url)
    live = OpenAIModel(config, api_key="sk-live-key-0123456789abcdefghij", retry=RetryPolicy())
    recorder = RecordingModel(live, cassette)
    return run_agent(
        recorder,
        "You plan.",
        TASK,
        read_only_tools(worktree),
        ReplayPlan,
        RunBudget(BudgetConfig()),
    )


def test_recording_then_replaying_reproduces_the_run(
    wire: Any, worktree: ConfinedRoot, tmp_path: Path
) -> None:
    cassette = tmp_path / "recorded.jsonl"
    recorded = record_a_run(wire, worktree, cassette)
    assert recorded.stop_reason == "done"
    assert len(cassette.read_text().splitlines()) == 2

    replayed = run_agent(
        ReplayModel(cassette, mode="strict"),
        "You plan.",
        TASK,
        read_only_tools(worktree),
        ReplayPlan,
        RunBudget(BudgetConfig()),
    )
    assert replayed.stop_reason == "done"
    assert replayed.output == recorded.output
    assert replayed.usage == recorded.usage
    assert replayed.cost_usd == recorded.cost_usd
    assert [m.model_dump() for m in replayed.messages[1:]] == [
        m.model_dump() for m in recorded.messages[1:]
    ]


def test_recorded_cassettes_hold_no_secrets(
    wire: Any, worktree: ConfinedRoot, tmp_path: Path
) -> None:
    cassette = tmp_path / "recorded.jsonl"
    record_a_run(wire, worktree, cassette)
    text = cassette.read_text()
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in text
    assert "sk-live-key" not in text
    assert "Deploy token: [REDACTED]" in text


def test_strict_mode_shows_what_changed_in_the_request(
    wire: Any, worktree: ConfinedRoot, tmp_path: Path
) -> None:
    cassette = tmp_path / "recorded.jsonl"
    record_a_run(wire, worktree, cassette)
    model = ReplayModel(cassette, mode="strict")
    with pytest.raises(ReplayMismatchError) as caught:
        run_agent(
            model,
            "You plan.",
            "ReplayPlan a different fix.",
            read_only_tools(worktree),
            ReplayPlan,
            RunBudget(BudgetConfig()),
        )
    diff = str(caught.value)
    assert "request 1 differs from" in diff and "recorded.jsonl:1" in diff
    assert '-      "text": "ReplayPlan a fix. Deploy token: [REDACTED]"' in diff
    assert '+      "text": "ReplayPlan a different fix."' in diff


def test_the_documented_hand_written_cassette_loads(tmp_path: Path) -> None:
    docs = Path(__file__).parents[3] / "docs" / "harness.md"
    example = docs.read_text().split("```jsonl\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "documented.jsonl"
    path.write_text(example)
    model = ReplayModel(path)
    assert model.complete([], [], system="").tool_calls[0].name == "view_file"
    last = model.complete([], [], system="")
    assert last.tool_calls[0].name == "submit" and last.usage.input_tokens == 1800
