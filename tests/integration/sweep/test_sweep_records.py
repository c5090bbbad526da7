"""Sweep records in a real SQLite store: the sweep's own audit chain, runs by ticket."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from factory.store import RunStatus, Store, TicketClaimed
from factory.store.audit import verify
from tests.support.databases import BACKENDS, Backend, scratch_database

pytestmark = pytest.mark.integration


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'factory.db'}") as opened:
        yield opened


def test_a_sweeps_events_form_a_verified_chain_and_its_anchor_is_not_a_run(store: Store) -> None:
    sweep = store.sweeps.create({"concurrency": 2})
    store.sweeps.record_event(sweep.id, "sweep.started", {"considered": 3})
    store.sweeps.record_event(sweep.id, "sweep.skipped", {"identity": "app:x", "reason": "open_pr"})
    assert store.sweeps.finish(sweep.id, "finished", {"started": 2})
    assert [e.kind for e in store.events.read(sweep.id)] == [
        "sweep.started",
        "sweep.skipped",
        "sweep.finished",
    ]
    assert store.runs.latest() == []
    (listed,) = store.sweeps.latest()
    assert listed.status == "finished" and listed.finished_at is not None
    assert verify(store).ok


def test_a_new_run_is_refused_when_the_ticket_gained_a_run_since_the_sweep_looked(
    store: Store,
) -> None:
    first = store.runs.create("t.md", "app", ticket_key="app:fix-it")
    store.runs.update(first.id, status=RunStatus.PR_OPEN)
    store.claims.release_run(first.id)
    with pytest.raises(TicketClaimed) as refused:
        store.runs.create("t.md", "app", ticket_key="app:fix-it", ticket_runs_seen=frozenset())
    assert refused.value.run_id == first.id
    again = store.runs.create(
        "t.md", "app", ticket_key="app:fix-it", ticket_runs_seen=frozenset({first.id})
    )
    assert [run.id for run in store.runs.of_ticket("app:fix-it")] == [again.id, first.id]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_sweep_finished_by_two_processes_at_once_is_finished_once(
    backend: Backend, tmp_path: Path
) -> None:
    with scratch_database(backend, tmp_path) as database:
        with Store(database.url) as first:
            sweep = first.sweeps.create({}, owner="workers")
        barrier = threading.Barrier(2)
        results: list[bool] = []

        def finish(status: str) -> None:
            with Store(database.url) as store:
                barrier.wait()
                results.append(store.sweeps.finish(sweep.id, status, {"by": status}))

        threads = [threading.Thread(target=finish, args=(s,)) for s in ("finished", "stopped")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(results) == [False, True]
        with Store(database.url) as store:
            kinds = [event.kind for event in store.events.read(sweep.id)]
            found = store.sweeps.get(sweep.id)
            assert kinds == ["sweep.finished"]
            assert found is not None and found.owner == "workers"
            assert found.totals == f'{{"by": "{found.status}"}}'  # the winner's report only
            assert not store.sweeps.finish(sweep.id, "finished", {})  # already finished
            assert verify(store).ok
