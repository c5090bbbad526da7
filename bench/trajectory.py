"""Reading a long run's trajectory (the run page, `factory runs trajectory`), against reading
its records plainly.

A real agent loop (a replayed model, the real file tools) runs --turns turns, each reading a
file of --output-kb kB, into a SQLite store with its transcripts, as a run records them. Then:

- a cold read (nothing cached: every transcript decompressed and parsed) against the floor of
  any reader of those transcripts, decompressing and parsing each once (goal <= 2x);
- a warm read (the page reloading while the run is live: transcripts already read) against
  what any honest view of the run must do anyway: read its events, parse their payloads and
  verify its chain (goal <= 2x).
Run: `.venv/bin/python -m bench trajectory` or `.venv/bin/python -m bench.trajectory`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from factory.run.trajectory import forget_read_transcripts, load_trajectory
from factory.store import Store
from factory.store.audit import verify
from harness.budget import RunBudget
from harness.config import BudgetConfig
from harness.events import HarnessEvent, decode_transcript
from harness.loop import run_agent
from harness.replay import ReplayModel
from harness.tools import ConfinedRoot, read_only_tools


class Done(BaseModel):
    summary: str


def recorded_run(root: Path, turns: int, output_kb: int) -> tuple[Store, str]:
    worktree = root / "worktree"
    worktree.mkdir()
    line = "x" * 63 + "\n"
    (worktree / "big.txt").write_text(line * (output_kb * 1024 // len(line)))
    view = {"name": "view_file", "arguments": {"path": "big.txt"}}
    submit = {"name": "submit", "arguments": {"summary": "s"}}
    replies = [{"text": f"turn {n}", "tool_calls": [view]} for n in range(turns)]
    replies.append({"text": "done", "tool_calls": [submit]})
    cassette = root / "turns.jsonl"
    cassette.write_text("".join(json.dumps({"reply": r}) + "\n" for r in replies))
    store = Store(f"sqlite:///{root / 'factory.db'}")
    run = store.runs.create("T-1", "svc")

    def record(event: HarnessEvent) -> None:
        payload = event.model_dump(mode="json", exclude_none=True)
        store.events.append(run.id, event.kind, payload.pop("role"), payload)

    store.events.append(run.id, "node.started", "system", {"node": "code", "iteration": 0})
    run_agent(
        ReplayModel(cassette),
        "SYSTEM",
        "TASK",
        read_only_tools(ConfinedRoot(worktree)),
        Done,
        RunBudget(BudgetConfig(max_steps=turns + 10)),
        record,
        role="coder",
        transcripts=store.blobs,
        context_window=100_000_000,
    )
    return store, run.id


def median_time(action: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=150)
    parser.add_argument("--output-kb", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store, run_id = recorded_run(Path(scratch), options.turns, options.output_kb)
        refs = [
            json.loads(e.payload)["transcript_ref"]
            for e in store.events.read(run_id)
            if e.kind == "model.call"
        ]

        def cold() -> None:
            forget_read_transcripts()
            load_trajectory(store, run_id)

        def parse_every_transcript() -> None:
            for ref in refs:
                decode_transcript(store.blobs.get(ref))

        def read_and_verify() -> None:
            for event in store.events.read(run_id):
                json.loads(event.payload)
            verify(store, run_id=run_id, digest_chain=False)

        cold_s = median_time(cold, options.rounds)
        floor_s = median_time(parse_every_transcript, options.rounds)
        load_trajectory(store, run_id)
        warm_s = median_time(lambda: load_trajectory(store, run_id), options.rounds)
        events_s = median_time(read_and_verify, options.rounds)
        store.close()
    print(f"trajectory of {options.turns} turns, {options.output_kb} kB of output each")
    print(f"  cold read            {cold_s * 1000:8.1f} ms")
    print(f"  parse every transcript {floor_s * 1000:6.1f} ms")
    print(f"  warm read            {warm_s * 1000:8.1f} ms")
    print(f"  read events, verify  {events_s * 1000:8.1f} ms")
    print(f"  ratio cold/parse-every-transcript: {cold_s / floor_s:.2f}x (goal <= 2x)")
    print(f"  ratio warm/read-events-and-verify: {warm_s / events_s:.2f}x (goal <= 2x)")


if __name__ == "__main__":
    main()
