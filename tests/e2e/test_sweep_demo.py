"""`factory demo --tickets N`: the bundled backlog swept into a morning report with every
outcome a team sees (scripted model turns, everything else real)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from factory.config import load_config
from factory.demo.sweep_demo import MAX_TICKETS
from factory.store import Store

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]


def test_the_sweep_demo_ends_with_a_report_of_every_kind_of_outcome(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "factory"),
            "demo",
            "--tickets",
            str(MAX_TICKETS),
            "--dir",
            str(tmp_path / "demo"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["scripted_model"] is True
    assert report["started"] == MAX_TICKETS and report["skipped"] == []
    (merged,) = report["merged"]
    assert merged["title"] == "from_roman ignores subtractive notation"
    waiting = {o["title"]: o for o in report["waiting_for_human"]}
    assert set(waiting) == {
        "Document how subtractive numerals are read",
        'from_roman("IX") returns 11',
    }
    assert waiting['from_roman("IX") returns 11']["tests"].startswith("red")
    (refused,) = report["refused"]
    assert any(".github/workflows/tests.yml" in reason for reason in refused["reasons"])
    (failed,) = report["failed"]
    assert failed["status"] == "budget_exceeded"
    assert report["failed_by_reason"] == {"run budget exhausted": 1}
    assert report["cost"]["known"] is True  # the demo prices its scripted turns at $0
    assert report["cost"]["total_usd"] == 0.0
    if MAX_TICKETS == 6:
        (nothing,) = report["no_change"]
        assert nothing["pr_number"] is None
    # The stuck detector's defaults never trip on a demo cassette: no agent stopped as stuck.
    config = load_config(tmp_path / "demo" / "factory.toml")
    with Store.open(config) as store:
        runs = store.runs.latest(limit=100)
        stopped = [
            json.loads(event.payload)
            for run in runs
            for event in store.events.read(run.id)
            if event.kind in ("run.stopped", "agent.stop")
        ]
    assert len(runs) == MAX_TICKETS
    assert not [s for s in stopped if s.get("reason") == "stuck" or s.get("message") == "stuck"]
    assert [s["reason"] for s in stopped if "reason" in s] == ["token_limit"]  # the budget case
