"""Each kind of tampering, done with raw SQL behind the store's back, is detected and named."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.store import Store, audit
from factory.store.audit import current_digest, verify
from factory.store.chain import event_hash
from tests.support.databases import Backend, ScratchDatabase, scratch_database

from .conftest import seed_runs

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite-fast-path", "sqlite-neutral-path", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ScratchDatabase]:
    """Every tampering is caught by SQLite's fast scan, and by the dialect-neutral path on
    SQLite and on PostgreSQL."""
    monkeypatch.setattr(audit, "SQLITE_FAST_PATH", request.param == "sqlite-fast-path")
    backend: Backend = "postgresql" if request.param == "postgresql" else "sqlite"
    with scratch_database(backend, tmp_path) as scratch:
        yield scratch


def verify_cli(database: ScratchDatabase, *args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        app,
        ["audit", "verify", "--json", *args],
        env={"FACTORY_DATABASE_URL": database.url, "FACTORY_CONFIG": ""},
    )
    return result.exit_code, json.loads(result.stdout)


def first_break(store: Store) -> tuple[str, str | None, int | None]:
    report = verify(store)
    assert not report.ok
    problem = report.breaks[0]
    return problem.kind, problem.run_id, problem.seq


def test_untouched_log_verifies_intact_with_counts(store: Store, database: ScratchDatabase) -> None:
    seed_runs(store, runs=3, events=5)
    code, report = verify_cli(database)
    assert code == 0
    assert report["summary"] == "15 events in 3 runs, chain intact"


def test_edited_payload_is_named_edited(store: Store, database: ScratchDatabase) -> None:
    first, _ = seed_runs(store)
    database.raw_sql(
        f"""UPDATE events SET payload='{{"step":99}}' WHERE run_id='{first}' AND seq=3"""
    )
    code, report = verify_cli(database)
    assert code == 1
    assert report["breaks"][0] | {"detail": ""} == {
        "kind": "edited",
        "run_id": first,
        "seq": 3,
        "detail": "",
    }
    assert report["summary"].startswith(f"chain broken at run {first} event 3: edited")


def test_edited_and_rehashed_event_is_still_named_edited(
    store: Store, database: ScratchDatabase
) -> None:
    first, _ = seed_runs(store)
    row = store.events.read(first)[2]
    forged = event_hash(row.prev_hash, first, row.ts, row.kind, row.actor, '{"step":99}')
    database.raw_sql(
        f"""UPDATE events SET payload='{{"step":99}}', hash='{forged}'
            WHERE run_id='{first}' AND seq=3""",
    )
    assert first_break(store) == ("edited", first, 3)


def test_removed_event_is_named_removed(store: Store, database: ScratchDatabase) -> None:
    first, _ = seed_runs(store)
    database.raw_sql(f"DELETE FROM events WHERE run_id='{first}' AND seq=4")
    code, report = verify_cli(database)
    assert code == 1
    assert (report["breaks"][0]["kind"], report["breaks"][0]["seq"]) == ("removed", 4)


def test_inserted_event_is_named_inserted(store: Store, database: ScratchDatabase) -> None:
    first, _ = seed_runs(store)
    before = store.events.read(first)[2]  # seq 3; the forgery goes in as seq 4
    forged_hash = event_hash(
        before.hash, first, before.ts, "tool.call", "coder", '{"step":"forged"}'
    )
    database.raw_sql(
        f"UPDATE events SET seq = seq + 1000 WHERE run_id='{first}' AND seq >= 4",
        f"UPDATE events SET seq = seq - 999 WHERE run_id='{first}' AND seq > 1000",
        f"""INSERT INTO events (run_id, seq, ts, kind, actor, payload, prev_hash, hash)
            VALUES ('{first}', 4, '{before.ts}', 'tool.call', 'coder', '{{"step":"forged"}}',
                    '{before.hash}', '{forged_hash}')""",
    )
    assert first_break(store) == ("inserted", first, 4)


def test_event_appended_behind_the_stores_back_is_named_inserted(
    store: Store, database: ScratchDatabase
) -> None:
    first, _ = seed_runs(store)
    last = store.events.read(first)[-1]
    forged = event_hash(last.hash, first, last.ts, "merge", "system", "{}")
    database.raw_sql(
        f"""INSERT INTO events (run_id, seq, ts, kind, actor, payload, prev_hash, hash)
            VALUES ('{first}', 7, '{last.ts}', 'merge', 'system', '{{}}', '{last.hash}',
                    '{forged}')""",
    )
    assert first_break(store) == ("inserted", first, 7)


def test_reordered_events_are_named_reordered(store: Store, database: ScratchDatabase) -> None:
    first, _ = seed_runs(store)
    database.raw_sql(
        f"UPDATE events SET seq = 100 WHERE run_id='{first}' AND seq = 3",
        f"UPDATE events SET seq = 3 WHERE run_id='{first}' AND seq = 4",
        f"UPDATE events SET seq = 4 WHERE run_id='{first}' AND seq = 100",
    )
    code, report = verify_cli(database)
    assert code == 1
    assert report["breaks"][0]["kind"] == "reordered"
    assert report["breaks"][0]["run_id"] == first


def test_deleted_run_is_named_run_deleted(store: Store, database: ScratchDatabase) -> None:
    first, second = seed_runs(store)
    database.raw_sql(
        f"DELETE FROM events WHERE run_id='{second}'",
        f"DELETE FROM runs WHERE id='{second}'",
    )
    code, report = verify_cli(database)
    assert code == 1
    assert (report["breaks"][0]["kind"], report["breaks"][0]["run_id"]) == ("run_deleted", second)
    assert report["summary"].startswith(f"chain broken at run {second}: run deleted")


def test_deleted_run_row_with_events_left_behind_is_named_run_deleted(
    store: Store, database: ScratchDatabase
) -> None:
    first, _ = seed_runs(store)
    database.raw_sql(f"DELETE FROM runs WHERE id='{first}'")
    assert first_break(store) == ("run_deleted", first, None)


def test_truncated_run_is_named_truncated(store: Store, database: ScratchDatabase) -> None:
    first, _ = seed_runs(store)
    database.raw_sql(f"DELETE FROM events WHERE run_id='{first}' AND seq > 4")
    assert first_break(store) == ("truncated", first, 5)


def test_truncation_hidden_by_patching_the_run_row_is_caught_by_the_digest_chain(
    store: Store, database: ScratchDatabase
) -> None:
    first, _ = seed_runs(store)
    new_head = store.events.read(first)[3].hash
    database.raw_sql(
        f"DELETE FROM events WHERE run_id='{first}' AND seq > 4",
        f"UPDATE runs SET event_count=4, head_hash='{new_head}' WHERE id='{first}'",
    )
    kind, run_id, _seq = first_break(store)
    assert (kind, run_id) == ("truncated", first)


def test_edited_digest_row_is_named(store: Store, database: ScratchDatabase) -> None:
    seed_runs(store)
    database.raw_sql("UPDATE audit_digests SET event_count = 5 WHERE seq = 2")
    assert first_break(store) == ("edited", None, 2)


def test_removed_digest_row_is_named(store: Store, database: ScratchDatabase) -> None:
    seed_runs(store)
    database.raw_sql("DELETE FROM audit_digests WHERE seq = 3")
    assert first_break(store) == ("removed", None, 3)


def test_removed_first_event_is_named_removed(store: Store, database: ScratchDatabase) -> None:
    first, _ = seed_runs(store)
    database.raw_sql(f"DELETE FROM events WHERE run_id='{first}' AND seq=1")
    assert first_break(store) == ("removed", first, 1)


def test_rewriting_everything_is_caught_by_a_digest_saved_elsewhere(
    store: Store, database: ScratchDatabase, tmp_path: Path
) -> None:
    seed_runs(store)
    saved = tmp_path / "head.json"
    saved.write_text(current_digest(store).model_dump_json())
    assert verify_cli(database, "--against", str(saved))[0] == 0
    # A thorough intruder rebuilds a consistent database; only the saved head knows better.
    database.raw_sql("DELETE FROM events", "DELETE FROM runs", "DELETE FROM audit_digests")
    rebuilt = Store(database.url)
    seed_runs(rebuilt, runs=2, events=5)
    assert verify(rebuilt).ok
    code, report = verify_cli(database, "--against", str(saved))
    assert code == 1
    assert report["breaks"][0]["kind"] == "digest_mismatch"


def test_log_cut_back_before_a_saved_digest_is_a_digest_mismatch(
    store: Store, database: ScratchDatabase, tmp_path: Path
) -> None:
    seed_runs(store)
    saved = tmp_path / "head.json"
    saved.write_text(current_digest(store).model_dump_json())
    database.raw_sql("DELETE FROM events", "DELETE FROM runs", "DELETE FROM audit_digests")
    code, report = verify_cli(database, "--against", str(saved))
    assert code == 1
    assert report["breaks"][0]["kind"] == "digest_mismatch"
    assert "cut back" in report["breaks"][0]["detail"]


def test_log_that_grew_after_the_saved_digest_still_verifies_against_it(
    store: Store, database: ScratchDatabase, tmp_path: Path
) -> None:
    first, _ = seed_runs(store)
    saved = tmp_path / "head.json"
    saved.write_text(current_digest(store).model_dump_json())
    store.events.append(first, "review.done", "reviewer", {"approve": True})
    assert verify_cli(database, "--against", str(saved)) == (
        0,
        {
            "ok": True,
            "events": 13,
            "runs": 2,
            "sweeps": 0,
            "breaks": [],
            "summary": "13 events in 2 runs, chain intact",
        },
    )


def test_verify_one_run_ignores_damage_elsewhere(store: Store, database: ScratchDatabase) -> None:
    first, second = seed_runs(store)
    database.raw_sql(f"DELETE FROM events WHERE run_id='{second}' AND seq=2")
    assert verify_cli(database, "--run", first)[0] == 0
    assert verify_cli(database, "--run", second)[0] == 1
