"""Opening the database: engine settings per dialect, and Alembic migrations applied on open."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from factory.store.busy import busy_error, is_locked
from factory.store.retrying import retried
from factory.support.errors import FAILED, FactoryError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_LOCK = select(func.pg_advisory_xact_lock(0x4D494752))  # "MIGR"
WRITE_OPTION = "factory_write"
"""Execution option marking a connection that writes; on SQLite it takes the lock up front."""
DEFAULT_BUSY_TIMEOUT_S = 30.0
"""How long a writer waits for SQLite's write lock before naming who holds it."""
LOCK_ATTEMPT_S = 0.25
"""SQLite's own wait per attempt; between attempts the store backs off (`store.retrying`)."""


class StoreUnavailableError(FactoryError, RuntimeError):
    """The database cannot be opened: its driver is missing, or its server cannot be reached."""

    code = "database"
    exit_code = FAILED


SUPPORTED_BACKENDS = {
    "sqlite": "sqlite:///PATH",
    "postgresql": "postgresql+psycopg://USER@HOST/DB",
}
"""The databases the store runs on (its migrations, locks and chain queries are tested on
these two), each with the URL shape to use."""


class UnsupportedDatabase(FactoryError, ValueError):
    """A database SQLAlchemy knows but the store does not run on (MySQL, Oracle...)."""

    code = "config"


def unsupported_backend(url: str) -> str | None:
    """Why `url` names a database the store does not run on, or None when it is supported
    (or not a URL at all, which is said elsewhere)."""
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        return None
    if backend in SUPPORTED_BACKENDS:
        return None
    supported = " or ".join(f"{name} ({shape})" for name, shape in SUPPORTED_BACKENDS.items())
    return f"{describe_url(url)}: {backend} is not supported; the store runs on {supported}"


def installation_id(url: str) -> str:
    """A stable id of the installation whose records live at `url`: twelve hex digits of the
    database it names (a SQLite file by its absolute path; a server database without its
    password). Sandboxes carry it, so each installation sharing a Docker engine reaps only
    its own containers."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return hashlib.sha256(url.encode()).hexdigest()[:12]
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        parsed = parsed.set(database=str(Path(str(parsed.database)).expanduser().resolve()))
    identity = parsed.set(password=None).render_as_string(hide_password=False)
    return hashlib.sha256(identity.encode()).hexdigest()[:12]


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages that get pasted into tickets."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable database URL)"


def make_engine(url: str, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Engine:
    """`_make_engine`, with a missing driver or a malformed URL said in one line."""
    unsupported = unsupported_backend(url)
    if unsupported is not None:
        raise UnsupportedDatabase(unsupported)
    try:
        return _make_engine(url, busy_timeout_s=busy_timeout_s)
    except (ArgumentError, ModuleNotFoundError) as exc:
        raise _unopenable(url, exc) from exc


def _unopenable(url: str, exc: Exception) -> StoreUnavailableError:
    try:
        backend: str | None = make_url(url).get_backend_name()
    except ArgumentError:
        backend = None
    missing_driver = isinstance(exc, NoSuchModuleError | ModuleNotFoundError)
    if backend == "postgresql" and missing_driver:
        return StoreUnavailableError(
            f"{describe_url(url)}: its driver is not installed ({exc}); PostgreSQL takes "
            "postgresql+psycopg://... with pip install 'agent-factory[postgres]'"
        )
    if isinstance(exc, ModuleNotFoundError):
        return StoreUnavailableError(f"{describe_url(url)}: its driver is not installed ({exc})")
    return StoreUnavailableError(
        f"{describe_url(url)}: not a database URL ({exc}); e.g. sqlite:///path/factory.db "
        "or postgresql+psycopg://user@host/db"
    )


def libpq_dsn(url: str) -> str:
    """The libpq connection string for a `postgresql+psycopg://` SQLAlchemy URL, for the parts
    that talk to PostgreSQL through psycopg directly (checkpoints, the job queue)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def connection_failure(url: str, exc: OperationalError) -> StoreUnavailableError:
    """A server that refused or timed out, in one line naming the URL (password hidden)."""
    reason = str(exc.orig or exc).strip().splitlines()[0]
    return StoreUnavailableError(f"{describe_url(url)}: cannot connect: {reason}")


def _make_engine(url: str, *, busy_timeout_s: float) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite gets WAL, a busy timeout and eager write locks.

    SQLite's default deferred transactions let two writers both read a run's head and then race
    to extend it; `BEGIN IMMEDIATE` for writers serialises them without blocking readers. A
    writer that cannot get the lock retries with backoff for `busy_timeout_s`, then fails with
    a `DatabaseBusyError` naming the process that holds it, never a bare "database is locked".
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    attempt_ms = int(min(LOCK_ATTEMPT_S, busy_timeout_s) * 1000)
    patient_ms = int(busy_timeout_s * 1000)
    engine = create_engine(url, connect_args={"timeout": busy_timeout_s})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions begin in _begin below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={patient_ms}")  # readers: SQLite's own waiting
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        if not connection.get_execution_options().get(WRITE_OPTION, False):
            connection.exec_driver_sql("BEGIN")
            return
        # Writers wait in short attempts with backoff in between, so that after
        # busy_timeout_s the error can say who holds the lock.
        connection.exec_driver_sql(f"PRAGMA busy_timeout={attempt_ms}")
        try:
            retried(
                lambda: connection.exec_driver_sql("BEGIN IMMEDIATE"),
                retry_on=is_locked,
                within_s=busy_timeout_s,
                base_delay_s=0.05,
                give_up=lambda _failure: busy_error(parsed.database or url, busy_timeout_s),
            )
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={patient_ms}")

    return engine


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest migration shipped with this version of agent-factory."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> None:
    """Bring the schema to head. Cheap when it already is; safe to call on every open.

    Several processes (workers starting together) may open a database at once: the first takes
    the lock (SQLite's write lock, PostgreSQL's advisory lock, held until commit, and
    PostgreSQL's DDL is transactional) and migrates; the others find it at head under the lock.
    """
    head = head_revision()
    if current_revision(engine) == head:
        return
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(MIGRATION_LOCK)
        if MigrationContext.configure(connection).get_current_revision() != head:
            command.upgrade(_alembic_config(connection), "head")
        connection.commit()
