"""A follow-up round against a fresh run of the same ticket, both timed in the same process.

Each iteration replays the demo ticket end to end (a fresh run: preflight, clone, worktree,
sandbox, baseline, every node), then a reviewer requests a change on its pull request and one
follow-up round runs (`factory.run.rounds.start_round`: code, test, review, gate and deliver
again on the same branch). Orchestration overhead = wall time minus time inside sandbox
commands, for both. A round reuses the clone, the sandbox image and the baseline and skips
the preflight, so its overhead should be at most half a fresh run's.

Goal: median round overhead <= 0.5x the fresh run's. Run: `.venv/bin/python -m bench.followup`
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from factory.config import load_config
from factory.demo.run_demo import CASSETTE, REPO_NAME, prepare_demo
from factory.forges.local_review import local_forge, review_pull_request
from factory.run.rounds import round_request, start_round
from factory.run.runner import start_run
from factory.run.setup import RunOptions
from factory.store import Store
from factory.support.logs import configure_logging

DOCSTRING = '"""Return the integer value of a Roman numeral such as \'MCMXCIV\'."""'


def _round_replies() -> list[dict[str, Any]]:
    """The round's coder (edit the docstring, submit), then the demo's reviewer again."""
    demo = [
        json.loads(line)["reply"]
        for line in CASSETTE.read_text().splitlines()
        if line and not line.startswith("#")
    ]
    edit = {
        "path": "numerals/roman.py",
        "old_string": DOCSTRING,
        "new_string": DOCSTRING[:-3] + '\n\n    Subtractive pairs are read as such.\n    """',
    }
    coder = [
        {"text": "Editing.", "tool_calls": [{"name": "edit_file", "arguments": edit}]},
        {
            "text": "Done.",
            "tool_calls": [
                {
                    "name": "submit",
                    "arguments": {"summary": "Docstring says it.", "files": [edit["path"]]},
                }
            ],
        },
    ]
    return demo + coder + demo[8:10]


def one_iteration(root: Path) -> tuple[float, float, float, float]:
    """(fresh wall, fresh sandbox, round wall, round sandbox) seconds."""
    prepare_demo(root)
    tape = root / "tape.jsonl"
    tape.write_text("".join(json.dumps({"reply": r}) + "\n" for r in _round_replies()))
    config = load_config(root / "factory.toml")
    with Store.open(config) as store:
        started = time.perf_counter()
        summary = start_run(
            config, store, str(root / "ticket.md"), RunOptions(repo=REPO_NAME, replay=tape)
        )
        fresh_wall = time.perf_counter() - started
        if summary.status.value != "pr_open":
            raise RuntimeError(f"run ended {summary.status.value}: {summary.state.error}")
        forge = local_forge(config, store, REPO_NAME)
        item = review_pull_request(
            store, forge, 1, state="CHANGES_REQUESTED", text="Document the rule."
        )
        request = round_request("review", [item], forge.get_pull_request(1).head_sha)
        started = time.perf_counter()
        result = start_round(config, store, summary.run_id, request, forge=forge)
        round_wall = time.perf_counter() - started
    if result.outcome != "pushed":
        raise RuntimeError(f"round ended {result.outcome}: {result.reason}")
    return fresh_wall, summary.sandbox_seconds, round_wall, result.sandbox_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description="A follow-up round's overhead vs a fresh run's.")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    configure_logging("json", "warning")
    fresh, rounds = [], []
    with tempfile.TemporaryDirectory() as scratch:
        one_iteration(Path(scratch) / "warmup")  # imports, first docker connection
        for index in range(options.runs):
            fresh_wall, fresh_box, round_wall, round_box = one_iteration(
                Path(scratch) / f"run{index}"
            )
            fresh.append(fresh_wall - fresh_box)
            rounds.append(round_wall - round_box)
    median = statistics.median
    print(f"demo ticket, {options.runs} fresh runs and follow-up rounds (medians)")
    print(f"  fresh run orchestration   {median(fresh):7.3f} s")
    print(f"  follow-up round           {median(rounds):7.3f} s")
    print(f"  round / fresh             {median(rounds) / median(fresh):7.2f}x   (goal <= 0.5x)")


if __name__ == "__main__":
    main()
