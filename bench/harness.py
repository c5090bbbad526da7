"""The agent loop's own overhead per step, against a minimal loop doing the same work.

Both loops drive the same replayed model (a cassette of no-op tool calls ending in `submit`)
and the same no-op tool; the difference is what `run_agent` adds per step: budget checks,
context estimation, pricing, events, argument validation, the stuck detector. Goal: ratio <= 2x.

Run: `.venv/bin/python -m bench.harness [--steps N] [--repeats R]`
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel

from harness.budget import RunBudget
from harness.config import BudgetConfig
from harness.events import HarnessEvent
from harness.loop import run_agent
from harness.messages import Message
from harness.replay import ReplayModel
from harness.tools.base import ToolArgs, ToolOutput, schema_of


class NoOpArgs(ToolArgs):
    note: str = ""


class NoOp:
    name: ClassVar[str] = "noop"
    description: ClassVar[str] = "Does nothing."
    args_model = NoOpArgs

    def run(self, args: NoOpArgs) -> ToolOutput:
        return ToolOutput(text="ok")


class BenchSubmission(BaseModel):
    ok: bool


class BlobCounter:
    def __init__(self) -> None:
        self.count = 0

    def put(self, data: bytes) -> str:
        self.count += 1
        return str(self.count)


def write_cassette(path: Path, steps: int) -> None:
    def noop(step: int) -> dict[str, object]:
        # Each call its own: the same call over and over is what the stuck detector stops.
        return {
            "reply": {
                "tool_calls": [{"name": "noop", "arguments": {"note": f"step {step}"}}],
                "usage": {"input_tokens": 100, "output_tokens": 10},
                "model": "claude-sonnet-4-6",
            }
        }

    submit = {"reply": {"tool_calls": [{"name": "submit", "arguments": {"ok": True}}]}}
    lines = [json.dumps(noop(step)) for step in range(steps - 1)] + [json.dumps(submit)]
    path.write_text("\n".join(lines) + "\n")


def baseline_loop(model: ReplayModel) -> int:
    """Call the model, dispatch the tool, append; nothing else."""
    tool = NoOp()
    schemas = [schema_of(tool)]
    messages = [Message.user("task")]
    steps = 0
    while True:
        reply = model.complete(messages, schemas, system="system")
        steps += 1
        messages.append(Message(role="assistant", text=reply.text, tool_calls=reply.tool_calls))
        for call in reply.tool_calls:
            if call.name == "submit":
                return steps
            output = tool.run(NoOpArgs(**call.arguments))
            messages.append(Message.tool_result(call, output.text))


def harness_loop(model: ReplayModel, transcripts: BlobCounter | None = None) -> int:
    def discard(event: HarnessEvent) -> None:
        pass

    result = run_agent(
        model,
        "system",
        "task",
        [NoOp()],
        BenchSubmission,
        RunBudget(BudgetConfig(max_steps=1_000_000)),
        discard,
        transcripts=transcripts,
    )
    assert result.stop_reason == "done", result.stop_reason
    return result.steps


LOOPS = ("baseline", "harness", "transcripts")


def time_once(cassette: Path, loop: str) -> float:
    model = ReplayModel(cassette)  # parsing the cassette is not part of either loop
    started = time.perf_counter()
    if loop == "baseline":
        baseline_loop(model)
    elif loop == "harness":
        harness_loop(model)
    else:
        harness_loop(model, BlobCounter())
    return time.perf_counter() - started


def best_times(repeats: int, cassette: Path) -> dict[str, float]:
    """Best of `repeats` per loop, the loops interleaved so machine load hits all alike."""
    best = dict.fromkeys(LOOPS, float("inf"))
    for _ in range(repeats):
        for loop in LOOPS:
            best[loop] = min(best[loop], time_once(cassette, loop))
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=15)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        cassette = Path(scratch) / "noop.jsonl"
        write_cassette(cassette, options.steps)
        best = best_times(options.repeats, cassette)
    baseline, harness, with_transcripts = (best[loop] for loop in LOOPS)
    per_step = 1e6 / options.steps
    print(f"harness loop, {options.steps} steps, best of {options.repeats}")
    print(f"  baseline loop        {baseline * per_step:8.1f} us/step")
    print(f"  run_agent            {harness * per_step:8.1f} us/step")
    print(f"  run_agent+transcript {with_transcripts * per_step:8.1f} us/step")
    print(f"  ratio run_agent/baseline: {harness / baseline:.2f}x (goal <= 2x)")
    print(f"  ratio with gzip transcripts/baseline: {with_transcripts / baseline:.2f}x")


if __name__ == "__main__":
    main()
