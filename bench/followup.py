"""A follow-up round against a fresh run of the same ticket: orchestration overhead, timed.

Each sample, in one process and one store: the demo ticket is run fresh (replayed model turns,
the real sandbox) to an open pull request; the operator requests a change on it (a review
stored on the local forge, as `factory pr review --request-changes` does); then one follow-up
round of the same run is driven (`factory.run.rounds.start_round`: code -> test -> review ->
gate -> deliver again on the same branch). Both are timed the same way:

    orchestration overhead = wall time - time in sandbox commands - model time

Sandbox commands are the agents' commands and the test suites (for the fresh run also the
base commit's baseline suite), as the run and the round count them (`RunSummary` and
`RoundResult.sandbox_seconds`); model time is the model calls' recorded latency (near zero with
a replayed cassette). What is left is the factory's own cost: git, the store, the graph and its
checkpoints, sandbox start and removal, the gate, the forge. A round reuses the clone, the
sandbox image and the baseline, so its overhead should be at most half a fresh run's. Its
sandbox starts while it sets up and is removed in the background after its work is recorded
(`factory.run.rounds`); the bench waits for that removal after timing the round, so it never
overlaps the next sample's fresh run.

Goal: median round overhead / median fresh overhead <= 0.5.
Run: `.venv/bin/python -m bench.followup [--runs N]` (or `make bench`)
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from factory.config import FactoryConfig, load_config
from factory.demo.run_demo import CASSETTE, REPO_NAME, prepare_demo
from factory.forges.local_review import local_forge, review_pull_request
from factory.run.rounds import round_request, start_round
from factory.run.runner import start_run
from factory.run.setup import RunOptions
from factory.store import Store
from factory.support.logs import configure_logging
from sandboxes import cleanup

GOAL = 0.5
REQUEST = "Document the subtractive rule in the docstring."
DOCSTRING = '"""Return the integer value of a Roman numeral such as \'MCMXCIV\'."""'
DOCUMENTED = (
    '"""Return the integer value of a Roman numeral such as \'MCMXCIV\'.\n\n'
    '    Subtractive pairs (IV, IX, XL, XC, CD, CM) are read as such.\n    """'
)


@dataclass
class Timing:
    wall: float
    sandbox: float
    model: float
    nodes: dict[str, float] = field(default_factory=dict)

    @property
    def overhead(self) -> float:
        return self.wall - self.sandbox - self.model


def _reply(text: str, name: str, **arguments: Any) -> dict[str, Any]:
    return {"text": text, "tool_calls": [{"name": name, "arguments": arguments}], "model": "demo"}


def cassette(directory: Path) -> Path:
    """The demo's turns, then the round's: the coder edits the docstring, the reviewer's two."""
    lines = [line for line in CASSETTE.read_text().splitlines() if line and line[0] != "#"]
    replies = [json.loads(line)["reply"] for line in lines]
    coder = [
        _reply(
            "Updating the docstring.",
            "edit_file",
            path="numerals/roman.py",
            old_string=DOCSTRING,
            new_string=DOCUMENTED,
        ),
        _reply(
            "Done.",
            "submit",
            summary="Docstring names the subtractive pairs.",
            files=["numerals/roman.py"],
        ),
    ]
    path = directory / "followup.jsonl"
    played = [*replies, *coder, *replies[8:10]]
    path.write_text("".join(json.dumps({"reply": reply}) + "\n" for reply in played))
    return path


def _window(
    store: Store, run_id: str, after_kind: str | None
) -> tuple[float, float, dict[str, float]]:
    """Sandbox seconds, model seconds and seconds per node of the run's events, from the last
    `after_kind` event on (the whole run when None)."""
    events = store.events.read(run_id)
    if after_kind is not None:
        start = max(i for i, event in enumerate(events) if event.kind == after_kind)
        events = events[start:]
    sandbox = model = 0.0
    nodes: dict[str, float] = {}
    for event in events:
        data = json.loads(event.payload)
        if event.kind == "node.finished":
            sandbox += data.get("sandbox_s") or 0.0
            node = str(data.get("node"))
            nodes[node] = nodes.get(node, 0.0) + (data.get("duration_s") or 0.0)
        elif event.kind == "model.call":
            model += data.get("latency_s") or 0.0
    return sandbox, model, nodes


def one_sample(root: Path) -> tuple[Timing, Timing]:
    prepare_demo(root)
    tape = cassette(root)
    config: FactoryConfig = load_config(root / "factory.toml")
    store = Store.open(config)
    try:
        started = time.perf_counter()
        summary = start_run(
            config, store, str(root / "ticket.md"), RunOptions(repo=REPO_NAME, replay=tape)
        )
        wall = time.perf_counter() - started
        if summary.status.value != "pr_open" or summary.state.pr_number is None:
            raise RuntimeError(f"the fresh run ended {summary.status.value}: {summary.state.error}")
        _, model, nodes = _window(store, summary.run_id, None)
        fresh = Timing(wall, summary.sandbox_seconds, model, nodes)

        forge = local_forge(config, store, REPO_NAME)
        number = summary.state.pr_number
        item = review_pull_request(store, forge, number, state="CHANGES_REQUESTED", text=REQUEST)
        request = round_request("review", [item], forge.get_pull_request(number).head_sha)
        started = time.perf_counter()
        result = start_round(config, store, summary.run_id, request, forge=forge)
        wall = time.perf_counter() - started
        # The round's sandbox is removed in the background once its work is recorded: off
        # the round's path, but done before the next sample, which it would otherwise slow.
        cleanup.wait_for_removals()
        if result.outcome != "pushed":
            raise RuntimeError(f"the round ended {result.outcome}: {result.reason}")
        _, model, nodes = _window(store, summary.run_id, "round.started")
        return fresh, Timing(wall, result.sandbox_seconds, model, nodes)
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="A follow-up round's overhead vs a fresh run's.")
    parser.add_argument("--runs", type=int, default=5, help="fresh runs and rounds to time")
    options = parser.parse_args()
    configure_logging("json", "warning")
    fresh: list[Timing] = []
    rounds: list[Timing] = []
    with tempfile.TemporaryDirectory() as scratch:
        one_sample(Path(scratch) / "warmup")  # imports, the first Docker connection
        for index in range(options.runs):
            run, follow_up = one_sample(Path(scratch) / f"sample{index}")
            fresh.append(run)
            rounds.append(follow_up)
    median = statistics.median

    def show(name: str, timings: list[Timing]) -> None:
        print(f"  {name}")
        print(f"    wall               {median(t.wall for t in timings):7.3f} s")
        print(f"    in sandbox commands{median(t.sandbox for t in timings):7.3f} s")
        print(f"    model time         {median(t.model for t in timings):7.3f} s")
        print(f"    orchestration      {median(t.overhead for t in timings):7.3f} s")
        nodes = sorted({node for t in timings for node in t.nodes})
        for node in nodes:
            print(f"      {node:<9} {median(t.nodes.get(node, 0.0) for t in timings):7.3f} s")
        outside = median(t.wall - sum(t.nodes.values()) for t in timings)
        print(f"      {'(outside nodes: setup, lease, graph, checkpoints)':<9} {outside:7.3f} s")

    print(f"demo ticket, {options.runs} fresh runs and follow-up rounds (medians)")
    show("fresh run", fresh)
    show("follow-up round", rounds)
    ratio = median(t.overhead for t in rounds) / median(t.overhead for t in fresh)
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"  round / fresh overhead {ratio:5.2f}x   (goal <= {GOAL}x: {verdict})")


if __name__ == "__main__":
    main()
