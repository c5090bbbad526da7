"""A real SQLite store in a temporary directory, and raw SQL access to its file for tampering."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from factory.store import NewEvent, Store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "factory.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{db_path}") as opened:
        yield opened


def raw_sql(db_path: Path, *statements: str) -> None:
    """Change the file behind the store's back, the way an intruder with file access would."""
    connection = sqlite3.connect(db_path)
    try:
        for statement in statements:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def seed_runs(store: Store, runs: int = 2, events: int = 6) -> list[str]:
    """Runs with `events` events each, appended one at a time and in a batch."""
    ids = []
    for index in range(runs):
        run = store.create_run(f"acme/app#{index + 1}", "app")
        store.append_event(run.id, "run.started", "system", {"ticket": index + 1})
        store.append_events(
            run.id,
            [NewEvent("tool.call", "coder", {"step": step}) for step in range(events - 1)],
        )
        ids.append(run.id)
    return ids
