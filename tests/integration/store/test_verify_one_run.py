"""Verifying one run without re-hashing the global digest chain (the dashboard's run page)."""

from pathlib import Path

import pytest

from factory.store import Store
from factory.store.audit import verify
from tests.integration.store.conftest import raw_sql, seed_runs

pytestmark = pytest.mark.integration


def test_one_run_verifies_without_the_global_chain(store: Store) -> None:
    first, _second = seed_runs(store)
    report = verify(store, run_id=first, digest_chain=False)
    assert report.ok and report.runs == 1 and report.events == 6


def test_an_edited_event_of_the_run_is_still_caught(store: Store, db_path: Path) -> None:
    first, second = seed_runs(store)
    raw_sql(db_path, f"UPDATE events SET payload = '{{}}' WHERE run_id = '{first}' AND seq = 3")
    assert not verify(store, run_id=first, digest_chain=False).ok
    assert verify(store, run_id=second, digest_chain=False).ok


def test_a_run_cut_short_with_its_row_patched_is_caught_by_its_digest_rows(
    store: Store, db_path: Path
) -> None:
    first, _second = seed_runs(store)
    raw_sql(
        db_path,
        f"DELETE FROM events WHERE run_id = '{first}' AND seq > 4",
        f"UPDATE runs SET event_count = 4, head_hash = "
        f"(SELECT hash FROM events WHERE run_id = '{first}' AND seq = 4) WHERE id = '{first}'",
    )
    report = verify(store, run_id=first, digest_chain=False)
    assert not report.ok and report.breaks[0].kind == "truncated"


def test_the_whole_log_cannot_skip_the_digest_chain(store: Store) -> None:
    with pytest.raises(ValueError, match="single run"):
        verify(store, digest_chain=False)
