"""Each store test runs on a fresh database of each backend: a SQLite file and real PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from factory.store import NewEvent, Store
from tests.support.databases import BACKENDS, ScratchDatabase, scratch_database


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ScratchDatabase]:
    with scratch_database(request.param, tmp_path) as scratch:
        yield scratch


@pytest.fixture
def store(database: ScratchDatabase) -> Iterator[Store]:
    with Store(database.url) as opened:
        yield opened


def seed_runs(store: Store, runs: int = 2, events: int = 6) -> list[str]:
    """Runs with `events` events each, appended one at a time and in a batch."""
    ids = []
    for index in range(runs):
        run = store.runs.create(f"acme/app#{index + 1}", "app")
        store.events.append(run.id, "run.started", "system", {"ticket": index + 1})
        store.events.append_many(
            run.id,
            [NewEvent("tool.call", "coder", {"step": step}) for step in range(events - 1)],
        )
        ids.append(run.id)
    return ids
