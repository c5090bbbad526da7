"""Scratch databases for tests that run on both store backends: SQLite and real PostgreSQL.

The PostgreSQL server comes from FACTORY_TEST_POSTGRES_URL, else from `.ci/postgres.sh`, which
finds or starts a throwaway cluster of Debian's PostgreSQL (CI's `.ci/run` installs it). Every
test gets a database of its own, created fresh and dropped afterwards. Without a server the
PostgreSQL half skips with a loud reason locally, and fails under CI, where it must run.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from bench._scratch_postgres import (
    CLUSTER_SCRIPT,
    POSTGRES_URL_ENV,
    fresh_postgres_database,
    postgres_server_url,
)
from factory.store.database import libpq_dsn

Backend = Literal["sqlite", "postgresql"]
BACKENDS: tuple[Backend, ...] = ("sqlite", "postgresql")


def require_postgres() -> str:
    """The server URL; skips the test without one (fails it under CI, where it must run)."""
    url = postgres_server_url()
    if url is None:
        reason = (
            f"PostgreSQL unavailable: set {POSTGRES_URL_ENV} or install Debian's postgresql "
            f"so {CLUSTER_SCRIPT.name} can start a throwaway cluster"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return url


@dataclass
class ScratchDatabase:
    """One test's database: its URL, and raw access behind the store's back (for tampering)."""

    backend: Backend
    url: str
    path: Path | None = None
    """The SQLite file (None on PostgreSQL)."""

    def raw_sql(self, *statements: str) -> None:
        """Run statements in one transaction, the way an intruder with database access would."""
        self.query(*statements)

    def query(self, *statements: str) -> list[tuple[Any, ...]]:
        """Run statements in one transaction; the rows the last one returned."""
        rows: Sequence[tuple[Any, ...]] = []
        if self.backend == "sqlite":
            assert self.path is not None
            connection = sqlite3.connect(self.path)
            try:
                for statement in statements:
                    rows = connection.execute(statement).fetchall()
                connection.commit()
            finally:
                connection.close()
            return list(rows)
        import psycopg

        with psycopg.connect(libpq_dsn(self.url)) as server:
            for statement in statements:
                cursor = server.execute(statement)
                rows = cursor.fetchall() if cursor.description else []
        return list(rows)


@contextmanager
def scratch_database(backend: Backend, tmp_path: Path) -> Iterator[ScratchDatabase]:
    """A fresh, empty database of `backend` for one test."""
    if backend == "sqlite":
        path = tmp_path / "data" / "factory.db"
        yield ScratchDatabase("sqlite", f"sqlite:///{path}", path)
        return
    with fresh_postgres_database(require_postgres()) as url:
        yield ScratchDatabase("postgresql", url)
