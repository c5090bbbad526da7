"""Long histories: older tool outputs are elided (or summarised) near the context window."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from harness.budget import RunBudget
from harness.config import BudgetConfig, StuckConfig
from harness.context_window import ELIDED_PREFIX, KEEP_LATEST_OUTPUTS, ContextGuard
from harness.events import HarnessEvent
from harness.loop import run_agent
from harness.messages import Message, ToolCall
from harness.replay import ReplayModel
from harness.tools import ConfinedRoot, read_only_tools


def history(outputs: int, size: int) -> list[Message]:
    messages = [Message.user("task")]
    for n in range(outputs):
        call = ToolCall(id=f"c{n}", name="view_file", arguments={"path": f"f{n}"})
        messages.append(Message(role="assistant", tool_calls=[call]))
        messages.append(Message.tool_result(call, f"{n}:" + "x" * size))
    return messages


def test_nothing_changes_while_history_is_small() -> None:
    messages = history(10, 100)
    assert ContextGuard("s", [], 100_000).fit(messages) == 0
    assert messages == history(10, 100)


def test_oldest_outputs_are_elided_and_the_latest_kept() -> None:
    messages = history(10, 4000)  # ~10k tokens
    elided = ContextGuard("s", [], 8000).fit(messages)
    outputs = [m.text for m in messages if m.role == "tool"]
    assert elided >= 1
    assert all(text.startswith(ELIDED_PREFIX) for text in outputs[:elided])
    assert all(not text.startswith(ELIDED_PREFIX) for text in outputs[-KEEP_LATEST_OUTPUTS:])
    assert "4002 characters from view_file; call the tool again" in outputs[0]


def test_a_summariser_replaces_elided_output_with_a_summary() -> None:
    messages = history(6, 4000)
    ContextGuard("s", [], 4000, lambda m: f"summary of {m.tool_call_id}").fit(messages)
    assert messages[2].text.endswith("summary follows]\nsummary of c0")


class ContextSubmission(BaseModel):
    ok: bool


def test_long_runs_continue_with_summaries_charged_to_the_budget(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "big.txt").write_text("\n".join("y" * 80 for _ in range(300)))
    view = {"tool_calls": [{"name": "view_file", "arguments": {"path": "big.txt"}}]}
    main = tmp_path / "main.jsonl"
    main.write_text(
        "\n".join(json.dumps({"reply": view}) for _ in range(6))
        + "\n"
        + json.dumps({"reply": {"tool_calls": [{"name": "submit", "arguments": {"ok": True}}]}})
        + "\n"
    )
    summaries = tmp_path / "summaries.jsonl"
    summaries.write_text(
        "".join(
            json.dumps(
                {"reply": {"text": f"big.txt is all y ({n})", "usage": {"output_tokens": 7}}}
            )
            + "\n"
            for n in range(10)
        )
    )
    summariser = ReplayModel(summaries)
    events: list[HarnessEvent] = []
    budget = RunBudget(BudgetConfig())
    result = run_agent(
        ReplayModel(main),
        "s",
        "t",
        read_only_tools(ConfinedRoot(root)),
        ContextSubmission,
        budget,
        events.append,
        context_window=30_000,
        summariser=summariser,
        # The same view six times over fills the context on purpose: not a loop to stop.
        stuck=StuckConfig(same_call=0),
    )
    assert result.stop_reason == "done"
    assert summariser.remaining < 10
    assert any(e.kind == "context.elided" for e in events)
    tool_texts = [m.text for m in result.messages if m.role == "tool"]
    assert "summary follows]\nbig.txt is all y (0)" in tool_texts[0]
    assert budget.steps == result.steps + (10 - summariser.remaining)
