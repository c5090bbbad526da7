"""A scratch PostgreSQL database per test, named by FACTORY_DATABASE_URL for the code under test
(test_queue.py keeps its own, which leaves the variable alone)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import ScratchDatabase, scratch_database


@pytest.fixture
def postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScratchDatabase]:
    with scratch_database("postgresql", tmp_path) as database:
        monkeypatch.setenv("FACTORY_DATABASE_URL", database.url)
        yield database
