"""Sweep records in a real SQLite store: the sweep's own audit chain, runs by ticket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from factory.store import RunStatus, Store, TicketClaimed
from factory.store.audit import verify

pytestmark = pytest.mark.integration


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'factory.db'}") as opened:
        yield opened


def test_a_sweeps_events_form_a_verified_chain_and_its_anchor_is_not_a_run(store: Store) -> None:
    sweep = store.create_sweep({"concurrency": 2})
    store.sweep_event(sweep.id, "sweep.started", {"considered": 3})
    store.sweep_event(sweep.id, "sweep.skipped", {"identity": "app:x", "reason": "open_pr"})
    store.sweep_event(sweep.id, "sweep.finished", {"started": 2})
    store.finish_sweep(sweep.id, "finished", {"started": 2})
    assert [e.kind for e in store.events(sweep.id)] == [
        "sweep.started",
        "sweep.skipped",
        "sweep.finished",
    ]
    assert store.list_runs() == []
    (listed,) = store.list_sweeps()
    assert listed.status == "finished" and listed.finished_at is not None
    assert verify(store).ok


def test_a_new_run_is_refused_when_the_ticket_gained_a_run_since_the_sweep_looked(
    store: Store,
) -> None:
    first = store.create_run("t.md", "app", ticket_key="app:fix-it")
    store.update_run(first.id, status=RunStatus.PR_OPEN)
    store.release_run_claims(first.id)
    with pytest.raises(TicketClaimed) as refused:
        store.create_run("t.md", "app", ticket_key="app:fix-it", ticket_runs_seen=frozenset())
    assert refused.value.run_id == first.id
    again = store.create_run(
        "t.md", "app", ticket_key="app:fix-it", ticket_runs_seen=frozenset({first.id})
    )
    assert [run.id for run in store.runs_for_ticket("app:fix-it")] == [again.id, first.id]
