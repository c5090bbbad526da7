"""SQLite's fast verification scan vouches only for intact runs and hands the rest over."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from factory.store import NewEvent, Store
from factory.store.sqlite_scan import scan_runs
from tests.support.databases import ScratchDatabase, scratch_database

from .conftest import seed_runs

pytestmark = pytest.mark.integration


@pytest.fixture
def database(tmp_path: Path) -> Iterator[ScratchDatabase]:
    """SQLite only: this path exists for SQLite's driver."""
    with scratch_database("sqlite", tmp_path) as scratch:
        yield scratch


def scanned(store: Store, run_id: str | None = None) -> dict[str, list[str] | None]:
    with store.engine.connect() as connection:
        result = scan_runs(connection, run_id)
    assert result is not None
    return {rid: hashes for rid, hashes in result}


def test_intact_runs_come_back_with_every_stored_hash_in_order(store: Store) -> None:
    ids = seed_runs(store, runs=2, events=5)
    assert scanned(store) == {rid: [e.hash for e in store.events.read(rid)] for rid in ids}
    assert scanned(store, ids[1]) == {ids[1]: [e.hash for e in store.events.read(ids[1])]}


def test_unicode_and_escapes_hash_the_same_as_the_reference_encoding(store: Store) -> None:
    run = store.runs.create("t", "app")
    store.events.append_many(
        run.id,
        [
            NewEvent("tool.call", "human:zoë", {"text": 'é "quoted" \\ \n\t\x00 \u2028 ☃'}),
            NewEvent("kind\u00e9", "coder", {"nested": {"b": [1, 2.5, None], "a": True}}),
        ],
    )
    assert scanned(store) == {run.id: [e.hash for e in store.events.read(run.id)]}


def test_a_value_retyped_to_the_same_bytes_is_handed_over(
    store: Store, database: ScratchDatabase
) -> None:
    (run_id,) = seed_runs(store, runs=1, events=3)
    database.raw_sql("UPDATE events SET payload = CAST(payload AS BLOB) WHERE seq = 2")
    assert scanned(store) == {run_id: None}


def test_a_tampered_run_is_handed_over_and_others_still_vouched_for(
    store: Store, database: ScratchDatabase
) -> None:
    first, second = seed_runs(store, runs=2, events=4)
    database.raw_sql(f"UPDATE events SET payload = '{{}}' WHERE run_id = '{first}' AND seq = 3")
    result = scanned(store)
    assert result[first] is None
    assert result[second] == [e.hash for e in store.events.read(second)]


def test_events_whose_run_id_is_not_text_leave_the_whole_walk_to_the_neutral_path(
    store: Store, database: ScratchDatabase
) -> None:
    (run_id,) = seed_runs(store, runs=1, events=2)
    database.raw_sql("UPDATE events SET run_id = CAST(run_id AS BLOB) WHERE seq = 2")
    with store.engine.connect() as connection:
        assert scan_runs(connection, None) is None
