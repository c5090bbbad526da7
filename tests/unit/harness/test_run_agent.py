"""run_agent end to end with replayed models, real file tools and a real worktree directory."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from harness.budget import RunBudget
from harness.config import BudgetConfig, OpenAIConfig
from harness.events import HarnessEvent, decode_transcript
from harness.loop import NUDGE, run_agent
from harness.replay import ReplayModel
from harness.retry import RetryPolicy
from harness.tools import ConfinedRoot, read_only_tools
from harness.tools.writing import EditFile


class AgentAnswer(BaseModel):
    summary: str
    files: list[str]


def cassette(path: Path, *replies: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps({"reply": r}) + "\n" for r in replies))
    return path


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def usage(input_tokens: int, output_tokens: int) -> dict[str, int]:
    return {"input_tokens": input_tokens, "output_tokens": output_tokens}


@pytest.fixture
def worktree(tmp_path: Path) -> ConfinedRoot:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    return ConfinedRoot(root)


def budget(**limits: Any) -> RunBudget:
    return RunBudget(BudgetConfig(**limits))


def test_agent_edits_and_submits_a_validated_answer(worktree: ConfinedRoot, tmp_path: Path) -> None:
    model = ReplayModel(
        cassette(
            tmp_path / "run.jsonl",
            {
                "text": "Reading.",
                "tool_calls": [call("view_file", path="calc.py")],
                "usage": usage(1000, 50),
                "model": "claude-sonnet-4-6",
            },
            {
                "tool_calls": [
                    call("edit_file", path="calc.py", old_string="a - b", new_string="a + b")
                ],
                "usage": usage(1200, 40),
                "model": "claude-sonnet-4-6",
            },
            {
                "tool_calls": [call("submit", summary="fixed add", files=["calc.py"])],
                "usage": usage(1300, 30),
                "model": "claude-sonnet-4-6",
            },
        )
    )
    events: list[HarnessEvent] = []
    tools = [*read_only_tools(worktree), EditFile(worktree)]
    result = run_agent(
        model,
        "You fix bugs.",
        "Fix add().",
        tools,
        AgentAnswer,
        budget(),
        events.append,
        role="coder",
    )
    assert result.stop_reason == "done"
    assert result.output == AgentAnswer(summary="fixed add", files=["calc.py"])
    assert (worktree.root / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
    assert result.steps == 3
    assert result.usage.input_tokens == 3500 and result.usage.output_tokens == 120
    assert result.cost_usd == pytest.approx((3500 * 3 + 120 * 15) / 1_000_000)
    kinds = [e.kind for e in events]
    assert kinds == ["agent.start"] + ["model.call", "tool.call"] * 3 + ["agent.stop"]
    edit = events[4]
    assert edit.tool == "edit_file" and edit.role == "coder" and edit.is_error is False
    assert edit.args_summary == "path=calc.py old_string=a - b new_string=a + b"
    assert events[1].cost_usd == pytest.approx((1000 * 3 + 50 * 15) / 1_000_000)


def test_invalid_submission_goes_back_to_the_model(worktree: ConfinedRoot, tmp_path: Path) -> None:
    model = ReplayModel(
        cassette(
            tmp_path / "run.jsonl",
            {"tool_calls": [call("submit", summary="done")]},
            {"tool_calls": [call("submit", summary="done", files=[])]},
        )
    )
    result = run_agent(model, "s", "t", [], AgentAnswer, budget())
    assert result.stop_reason == "done" and result.steps == 2
    rejected = result.messages[2]
    assert rejected.role == "tool" and rejected.is_error
    assert "files: Field required" in rejected.text


def test_a_reply_without_tool_calls_is_nudged_to_continue(tmp_path: Path) -> None:
    model = ReplayModel(
        cassette(
            tmp_path / "run.jsonl",
            {"text": "I think it is fine."},
            {"tool_calls": [call("submit", summary="ok", files=[])]},
        )
    )
    result = run_agent(model, "s", "t", [], AgentAnswer, budget())
    assert result.stop_reason == "done"
    assert result.messages[2].role == "user" and result.messages[2].text == NUDGE


def looping_model(tmp_path: Path, n: int = 10, **reply: Any) -> ReplayModel:
    replies = [{"tool_calls": [call("list_files")], **reply} for _ in range(n)]
    return ReplayModel(cassette(tmp_path / "loop.jsonl", *replies))


def test_step_limit_stops_cleanly(worktree: ConfinedRoot, tmp_path: Path) -> None:
    result = run_agent(
        looping_model(tmp_path),
        "s",
        "t",
        read_only_tools(worktree),
        AgentAnswer,
        budget(max_steps=3),
    )
    assert (result.stop_reason, result.steps, result.output) == ("step_limit", 3, None)


def test_token_limit_stops_cleanly(worktree: ConfinedRoot, tmp_path: Path) -> None:
    model = looping_model(tmp_path, usage=usage(400, 100))
    result = run_agent(
        model, "s", "t", read_only_tools(worktree), AgentAnswer, budget(max_tokens=1200)
    )
    assert (result.stop_reason, result.steps) == ("token_limit", 3)
    assert result.usage.total_tokens == 1500


def test_cost_limit_stops_cleanly(worktree: ConfinedRoot, tmp_path: Path) -> None:
    # 100k input tokens of claude-opus-4-6 cost $0.50 per call.
    model = looping_model(tmp_path, usage=usage(100_000, 0), model="claude-opus-4-6")
    result = run_agent(model, "s", "t", read_only_tools(worktree), AgentAnswer, budget(max_usd=1.2))
    assert (result.stop_reason, result.steps) == ("cost_limit", 3)
    assert result.cost_usd == pytest.approx(1.5)


def test_time_limit_stops_cleanly(worktree: ConfinedRoot, tmp_path: Path) -> None:
    ticks = iter(range(0, 1000, 10))
    shared = RunBudget(BudgetConfig(max_wall_s=35), clock=lambda: float(next(ticks)))
    result = run_agent(
        looping_model(tmp_path), "s", "t", read_only_tools(worktree), AgentAnswer, shared
    )
    assert result.stop_reason == "time_limit"
    assert result.steps == 3


def test_budget_is_shared_by_the_agents_of_a_run(worktree: ConfinedRoot, tmp_path: Path) -> None:
    shared = budget(max_steps=4)
    first = run_agent(
        looping_model(tmp_path),
        "s",
        "t",
        read_only_tools(worktree),
        AgentAnswer,
        shared,
        role="planner",
    )
    second = run_agent(
        looping_model(tmp_path),
        "s",
        "t",
        read_only_tools(worktree),
        AgentAnswer,
        shared,
        role="coder",
    )
    assert (first.stop_reason, first.steps) == ("step_limit", 4)
    assert (second.stop_reason, second.steps) == ("step_limit", 0)


def test_unknown_model_is_metered_in_tokens_with_unknown_cost(tmp_path: Path) -> None:
    model = ReplayModel(
        cassette(
            tmp_path / "run.jsonl",
            {
                "tool_calls": [call("submit", summary="x", files=[])],
                "usage": usage(10, 5),
                "model": "my-local-qwen",
            },
        )
    )
    events: list[HarnessEvent] = []
    shared = budget()
    result = run_agent(model, "s", "t", [], AgentAnswer, shared, events.append)
    assert result.stop_reason == "done"
    assert result.cost_usd is None and result.usage.total_tokens == 15
    assert events[1].cost_usd is None and events[1].input_tokens == 10
    assert shared.unpriced_calls == 1


def test_provider_failure_stops_with_reason_error(wire: Any, sleeps: Any) -> None:
    from harness.openai_model import OpenAIModel

    wire.reply({"error": {"message": "Incorrect API key provided"}}, status=401)
    config = OpenAIConfig(provider="openai", model="gpt-5.4", base_url=wire.url)
    model = OpenAIModel(config, api_key="bad", retry=RetryPolicy(sleep=sleeps))
    events: list[HarnessEvent] = []
    result = run_agent(model, "s", "t", [], AgentAnswer, budget(), events.append)
    assert result.stop_reason == "error"
    assert result.error is not None and "OPENAI_API_KEY was rejected (401)" in result.error
    assert events[-1].kind == "agent.stop"


def test_retries_are_reported_as_events(wire: Any, sleeps: Any) -> None:
    from harness.openai_model import OpenAIModel

    wire.reply({"error": {"message": "busy"}}, status=429, headers={"retry-after": "3"})
    wire.reply(
        {
            "id": "c",
            "object": "chat.completion",
            "created": 0,
            "model": "gpt-5.4",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "k",
                                "type": "function",
                                "function": {
                                    "name": "submit",
                                    "arguments": '{"summary": "s", "files": []}',
                                },
                            }
                        ],
                    },
                }
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
        }
    )
    config = OpenAIConfig(provider="openai", model="gpt-5.4", base_url=wire.url)
    model = OpenAIModel(config, api_key="k", retry=RetryPolicy(sleep=sleeps))
    events: list[HarnessEvent] = []
    result = run_agent(model, "s", "t", [], AgentAnswer, budget(), events.append, role="tester")
    assert result.stop_reason == "done"
    retry = next(e for e in events if e.kind == "model.retry")
    assert retry.role == "tester" and retry.exit_code == 429 and retry.latency_s == 3.0
    assert "busy" in (retry.message or "")


class CollectingSink:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        ref = f"blob-{len(self.blobs)}"
        self.blobs[ref] = data
        return ref


def test_every_model_call_links_its_full_transcript(worktree: ConfinedRoot, tmp_path: Path) -> None:
    model = ReplayModel(
        cassette(
            tmp_path / "run.jsonl",
            {"tool_calls": [call("view_file", path="calc.py")]},
            {"tool_calls": [call("submit", summary="s", files=[])]},
        )
    )
    sink = CollectingSink()
    events: list[HarnessEvent] = []
    run_agent(
        model,
        "SYSTEM",
        "TASK",
        read_only_tools(worktree),
        AgentAnswer,
        budget(),
        events.append,
        transcripts=sink,
    )
    refs = [e.transcript_ref for e in events if e.kind == "model.call"]
    assert refs == ["blob-0", "blob-1"]
    second = decode_transcript(sink.blobs["blob-1"])
    assert second["request"]["system"] == "SYSTEM"
    assert second["request"]["messages"][0] == {"role": "user", "text": "TASK"}
    assert "return a - b" in second["request"]["messages"][2]["text"]
    assert second["reply"]["tool_calls"][0]["name"] == "submit"
    assert {t["name"] for t in second["request"]["tools"]} >= {"view_file", "submit"}


def test_transcripts_are_stored_with_secrets_masked(
    worktree: ConfinedRoot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = "s3cr3t-value-" + "x" * 12
    monkeypatch.setenv("DEPLOY_TOKEN", planted)
    (Path(worktree.root) / "notes.txt").write_text(f"deploy with {planted}\n")
    github_token = "ghp_" + "A1b2" * 9
    model = ReplayModel(
        cassette(
            tmp_path / "run.jsonl",
            {
                "text": f"I found {github_token}",
                "tool_calls": [call("view_file", path="notes.txt")],
            },
            {"tool_calls": [call("submit", summary=f"used {planted}", files=[])]},
        )
    )
    sink = CollectingSink()
    run_agent(model, "SYSTEM", "TASK", read_only_tools(worktree), AgentAnswer, budget(), None,
              transcripts=sink)  # fmt: skip
    stored = b"".join(gzip.decompress(blob) for blob in sink.blobs.values())
    assert planted.encode() not in stored and github_token.encode() not in stored
    assert b"[REDACTED]" in stored
    second = decode_transcript(sink.blobs["blob-1"])
    assert "deploy with [REDACTED]" in second["request"]["messages"][2]["text"]
