"""The procrastinate App on the store's PostgreSQL: reachable, its schema in place.

Jobs live in the same database as the records (procrastinate's own `procrastinate_*` tables),
so a worker needs one URL and one server, and a job and its run are backed up together.
procrastinate's schema is applied on first use, once, under an advisory lock so workers
starting together do not race; upgrading procrastinate means applying its migrations (see
docs/operations.md).

The App built here has no tasks: deferring, listing and cancelling jobs go by task name
(`task_names.py`). Only a worker, which runs jobs, registers the tasks on it
(`worker.worker_app`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from factory.config import FactoryConfig
from factory.store.database import (
    StoreUnavailableError,
    describe_url,
    is_postgresql,
    libpq_dsn,
)
from factory.support.errors import FAILED, FactoryError

if TYPE_CHECKING:
    import procrastinate

SCHEMA_LOCK_KEY = 0x51554555  # "QUEU"
_schema_ready: set[str] = set()
_schema_guard = threading.Lock()


class QueueUnavailableError(FactoryError, RuntimeError):
    """The job queue cannot be used: the store is not PostgreSQL, or procrastinate is missing."""

    code = "database"
    exit_code = FAILED


def build_app(config: FactoryConfig) -> procrastinate.App:
    """A procrastinate App on the configured store's database (no tasks registered)."""
    url = config.database_url
    if not is_postgresql(url):
        raise QueueUnavailableError(
            f"the job queue runs on PostgreSQL, and the store is {describe_url(url)}: set "
            "[factory] database_url (or FACTORY_DATABASE_URL) to postgresql+psycopg://..."
        )
    try:
        import procrastinate
    except ModuleNotFoundError as exc:
        raise QueueUnavailableError(
            "workers need procrastinate: pip install 'agent-factory[postgres]'"
        ) from exc
    return procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=libpq_dsn(url)),
    )


@contextmanager
def open_queue(config: FactoryConfig) -> Iterator[procrastinate.App]:
    """The App, open for synchronous use (defer, list, cancel), its schema in place."""
    app = build_app(config)
    if libpq_dsn(config.database_url) not in _schema_ready:  # first use in this process
        require_reachable(config.database_url)
    with app.open():
        ensure_schema(app, libpq_dsn(config.database_url))
        yield app


def require_reachable(url: str, timeout_s: int = 10) -> None:
    """One plain connection first: procrastinate's pool would retry a dead server for 30 s,
    logging each attempt, then fail with a bare PoolTimeout."""
    import psycopg

    try:
        psycopg.connect(libpq_dsn(url), connect_timeout=timeout_s).close()
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreUnavailableError(f"{describe_url(url)}: cannot connect: {reason}") from exc


def ensure_schema(app: procrastinate.App, dsn: str) -> None:
    """Apply procrastinate's schema unless the database has it (once per process)."""
    import psycopg

    with _schema_guard:
        if dsn in _schema_ready:
            return
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
            try:
                found = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
                if found is None or found[0] is None:
                    app.schema_manager.apply_schema()
            finally:
                connection.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))
        _schema_ready.add(dsn)
