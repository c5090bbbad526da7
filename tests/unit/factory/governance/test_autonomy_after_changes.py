"""Earned autonomy reads from the run's audit chain whether a person asked for changes before
a merge, and `factory autonomy show` prints the split (real SQLite, the CLI in process)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from factory.store import Store
from tests.support.cli import Invoke
from tests.support.pull_request_history import (
    merged_by_person,
    opened,
    reconciled,
    review_round,
)
from tests.support.review_history import History, days_ago


def write_config(tmp_path: Path, mode: str | None) -> None:
    rule = f'merge_after_changes = "{mode}"\n' if mode else ""
    (tmp_path / "factory.toml").write_text(
        '[repos.svc]\ngithub = "acme/svc"\ntest_command = "pytest"\nbase_branch = "main"\n'
        'autonomy = { min = "L1", max = "L3" }\n\n'
        f"[repos.svc.earned_autonomy]\npromote_after_clean_merges = 2\n{rule}"
    )


def merged_pulls(store: Store, pattern: str) -> None:
    """One factory PR per letter: `c` merged clean, `a` merged after a review round, `t`
    closed by the factory because its ticket was closed, `x` closed by a person."""
    history = History(store)
    for n, kind in enumerate(pattern, start=1):
        start = days_ago(3, -n)
        end = start + timedelta(minutes=30)
        steps = [opened(start, n)]
        if kind == "a":
            steps += review_round(start + timedelta(minutes=10), 1)
        if kind == "t":
            steps.append(reconciled(end, "ticket_closed", "the ticket was closed", "factory"))
        elif kind == "x":  # what `record_closed` and the reconciliation write
            closed = {"number": n, "head_branch": f"factory/{n}", "comment": "", "via": "local"}
            steps.append((end, "pr.closed", "human:alice", closed))
            steps.append(reconciled(end, "closed", "a person closed the PR", "alice"))
        else:
            steps.append(merged_by_person(end, n))
        merged = kind in "ca"
        run_id = history.run(
            "svc", f"T-{n}", at=start, status="merged" if merged else "closed", steps=steps
        )
        store.pull_requests.create(
            repo="svc",
            number=n,
            title="t",
            head_branch=f"factory/{n}",
            base_branch="main",
            status="merged" if merged else "closed",
            merged_sha=f"{n:040x}" if merged else None,
            run_id=run_id,
        )


def show(invoke: Invoke) -> dict:
    result = invoke("autonomy", "show", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["repos"]["svc"]


def test_a_merge_after_requested_changes_holds_the_streak_by_default(
    invoke: Invoke, tmp_path: Path, db_url: str
) -> None:
    write_config(tmp_path, None)
    with Store(db_url) as store:
        merged_pulls(store, "cac")
    shown = show(invoke)
    assert (shown["level"], shown["streak"]) == ("L2", 0)  # c . c: two clean, promoted
    assert (shown["window_merges"], shown["window_merges_after_changes"]) == (3, 1)
    text = invoke("autonomy", "show").output
    assert "merged in the last 30d: 2 clean, 1 after requested changes" in text
    assert "(merge_after_changes = hold)" in text


def test_reset_restarts_the_streak_and_count_counts_it_clean(
    invoke: Invoke, tmp_path: Path, db_url: str
) -> None:
    write_config(tmp_path, "reset")
    with Store(db_url) as store:
        merged_pulls(store, "cac")
    assert (show(invoke)["level"], show(invoke)["streak"]) == ("L1", 1)
    write_config(tmp_path, "count")
    shown = show(invoke)
    assert (shown["level"], shown["streak"]) == ("L2", 1)


def test_a_refused_setting_is_named(invoke: Invoke, tmp_path: Path) -> None:
    write_config(tmp_path, "sometimes")
    result = invoke("autonomy", "show")
    assert result.exit_code != 0
    assert "merge_after_changes" in result.output and "Traceback" not in result.output


def test_a_pr_the_factory_closed_for_a_closed_ticket_is_no_rejection(
    invoke: Invoke, tmp_path: Path, db_url: str
) -> None:
    write_config(tmp_path, None)
    with Store(db_url) as store:
        merged_pulls(store, "ctc")
    shown = show(invoke)
    assert (shown["level"], shown["window_rejections"]) == ("L2", 0)


def test_a_pr_a_person_closed_restarts_the_streak(
    invoke: Invoke, tmp_path: Path, db_url: str
) -> None:
    write_config(tmp_path, None)
    with Store(db_url) as store:
        merged_pulls(store, "cxc")
    shown = show(invoke)
    assert (shown["level"], shown["streak"], shown["window_rejections"]) == ("L1", 1, 1)
