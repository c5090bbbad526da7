"""The morning report's "pull requests maintained", read from the runs' events in the sweep's
window (real SQLite), rendered with every recorded text made inert."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from factory.store import Store
from factory.sweep.maintained import MaintainedPull, PullsMaintained, pulls_maintained
from factory.sweep.outcome import SweepRequest, SweepResult
from factory.sweep.report import build_report, to_markdown
from tests.support.pull_request_history import (
    ci_read,
    ci_round,
    opened,
    rebased,
    reconciled,
    review_round,
)
from tests.support.review_history import History, days_ago
from tests.unit.factory.sweep.test_report_markdown import HOSTILE, assert_inert

HOUR = timedelta(hours=1)


def test_the_window_holds_what_was_done_to_each_pull_request(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    sweep = days_ago(1)
    history = History(store)
    # Opened and followed up before the sweep: only what happened in its window counts.
    early = history.run(
        "app",
        "T-1",
        at=days_ago(3),
        status="pr_open",
        steps=[
            opened(days_ago(3), 5),
            *review_round(days_ago(2), 1),
            rebased(sweep + HOUR),
            *review_round(sweep + HOUR, 2, outcome="pushed"),
        ],
    )
    fixed = history.run(
        "app",
        "T-2",
        at=days_ago(2),
        status="pr_open",
        steps=[
            opened(days_ago(2), 6),
            ci_read(sweep + HOUR, "failure"),
            *ci_round(sweep + HOUR, 1, outcome="pushed"),
            ci_read(sweep + 2 * HOUR, "success"),
        ],
    )
    closed = history.run(
        "app",
        "T-3",
        at=days_ago(2),
        status="closed",
        steps=[
            opened(days_ago(2), 7),
            reconciled(sweep + HOUR, "closed", "a person closed the PR", "alice"),
        ],
    )
    history.run("app", "T-4", at=days_ago(2), status="pr_open", steps=[opened(days_ago(2), 8)])
    found = {pull.run_id: pull for pull in pulls_maintained(store, sweep).pulls}
    assert set(found) == {early, fixed, closed}
    assert (found[early].number, found[early].rebased) == (5, 1)
    assert found[early].followups == ["round 2: pushed"]
    assert (found[fixed].ci_fixed, found[fixed].ci_state) == (1, "success")
    assert found[fixed].fix_rounds == ["ci round 1: pushed"]
    assert found[closed].reconciled == "closed: a person closed the PR (by alice)"
    maintained = PullsMaintained(pulls=list(found.values()))
    assert (maintained.rebased, maintained.followups, maintained.ci_fixed) == (1, 1, 1)
    assert maintained.reconciled == 1
    assert pulls_maintained(store, sweep + 3 * HOUR).pulls == []


def test_the_section_is_in_the_report_and_its_totals_with_hostile_text_inert() -> None:
    pulls = [
        MaintainedPull(
            repo="acme/app",
            number=n,
            run_id=f"r-{n:010d}",
            rebased=1,
            followups=["round 1: pushed"],
            fix_rounds=["ci round 2: pushed"],
            ci_fixed=1,
            ci_state="success",
            refused=[text],
            reconciled=f"closed: {text} (by {text})",
        )
        for n, text in enumerate(HOSTILE, start=1)
    ]
    start = days_ago(1)
    result = SweepResult(
        sweep_id="s-1",
        dry_run=False,
        request=SweepRequest(),
        started_at=start,
        finished_at=start + HOUR,
        considered=0,
        pulls_maintained=PullsMaintained(pulls=pulls),
    )
    report = build_report(result)
    totals = report.totals()["pulls_maintained"]
    assert totals == {
        "pull_requests": 6,
        "rebased": 6,
        "followups": 6,
        "ci_fixed": 6,
        "reconciled": 6,
    }
    markdown = to_markdown(report)
    assert_inert(markdown, headings=2)  # the report's title and this section
    assert "## Pull requests maintained" in markdown
    assert "6 pull requests: 6 rebased, 6 follow-up rounds, CI fixed 6 times, 6 reconciled." in (
        markdown
    )
    assert "| pull requests maintained | 6 |" in markdown
    assert "  - CI fixed 1 time, checks now success" in markdown


def test_a_sweep_that_maintained_nothing_says_nothing_of_it() -> None:
    start = days_ago(1)
    result = SweepResult(
        sweep_id="s-2",
        dry_run=False,
        request=SweepRequest(),
        started_at=start,
        finished_at=start,
        considered=0,
    )
    assert "maintained" not in to_markdown(build_report(result))
