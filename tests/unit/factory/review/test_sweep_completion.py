"""Sweep completion in the delivery pillar, from sweeps the test records with known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from factory.review.build import ReviewOptions, build_review
from factory.review.render import render_html, render_markdown
from factory.review.schema import OperationalReview, Pillars
from factory.store import Store
from tests.support.review_history import NOW, History, config_for, days_ago
from tests.support.sweep_history import dead_sweep, drive, finished_sweep, outcome


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'factory.db'}")


def review(tmp_path: Path, store: Store) -> OperationalReview:
    config = config_for(tmp_path, {"svc": None, "api": None, "web": None})
    return build_review(config, store, ReviewOptions(now=NOW, verify_audit=False))


def repo(result: OperationalReview, name: str) -> Pillars:
    return next(p for p in result.repositories if p.name == name)


def test_without_any_sweep_completion_is_unknown_not_zero(tmp_path: Path, store: Store) -> None:
    figure = review(tmp_path, store).factory.delivery.sweep_completion
    assert figure.value is None and figure.previous is None
    assert figure.note == "no sweep is recorded in the store"


def test_completion_is_the_share_of_selected_tickets_that_reached_an_ending(
    tmp_path: Path, store: Store
) -> None:
    history = History(store)
    # The period before (30 to 60 days ago): svc ended both of its tickets.
    finished_sweep(
        store,
        days_ago(40),
        [outcome("P-1", "svc", "merged"), outcome("P-2", "svc", "failed")],
    )
    # This period: svc ended 3 of 4 (one left at a checkpoint), api 1 of 1.
    finished_sweep(
        store,
        days_ago(5),
        [
            outcome("T-1", "svc", "merged"),
            outcome("T-2", "svc", "failed"),
            outcome("T-3", "svc", "needs_human"),
            outcome("T-4", "svc", "running"),
            outcome("A-1", "api", "merged"),
        ],
        stopped="--max-wall reached",
    )
    # A sweep whose process died: no report; its runs say how far each ticket got.
    dead = dead_sweep(store, days_ago(3))
    drive(store, history.run("svc", "T-5", at=days_ago(3), status="running"), dead)
    drive(store, history.run("svc", "T-6", at=days_ago(3), status="merged"), dead)
    # A sweep still running in this very process is not judged yet.
    live = store.sweeps.create({"repos": []})
    drive(store, history.run("svc", "T-7", at=days_ago(1), status="running"), live.id)

    result = review(tmp_path, store)

    # Sweeps' audit-chain anchors (rows in `runs`, repository `*`) are not runs of a repository.
    assert sorted(p.name for p in result.repositories) == ["api", "svc", "web"]
    assert result.factory.delivery.tickets_attempted.value == 3  # T-5, T-6, T-7
    svc = repo(result, "svc").delivery.sweep_completion
    assert svc.value == round(4 / 6, 4)
    assert svc.previous == 1.0 and svc.trend == "down" and svc.unit == "ratio"
    assert repo(result, "api").delivery.sweep_completion.value == 1.0
    assert repo(result, "api").delivery.sweep_completion.previous is None
    factory = result.factory.delivery.sweep_completion
    assert factory.value == round(5 / 7, 4) and factory.previous == 1.0
    web = repo(result, "web").delivery.sweep_completion
    assert web.value is None
    assert web.note == "no ended sweep selected a ticket here in the period"
    markdown = render_markdown(result)
    line = next(x for x in markdown.splitlines() if x.startswith("| delivery | sweep completion"))
    assert "| 71% | ↓ from 100% |" in line, line
    assert "Delivery: sweep completion" in render_html(result)
