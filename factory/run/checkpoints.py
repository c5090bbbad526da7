"""Where a run's LangGraph checkpoints live: SQLite beside the store, or PostgreSQL with it.

The store's URL decides: a `postgresql+psycopg://` store keeps checkpoints in the same database
through LangGraph's `PostgresSaver`, so a run started on one worker resumes on another; any
other store keeps them in `<data_dir>/checkpoints.sqlite` through `SqliteSaver`. Thread id =
run id. Only the types `RunState` holds may be deserialised back.

PostgresSaver's sharp edges, handled here:
- `setup()` creates and migrates its tables and must run before first use; it runs once per
  process and database, under an advisory lock, because two workers starting together would
  race on its migrations table.
- its connection must be in autocommit mode (it runs its own transactions), return rows as
  dicts (it reads columns by name), and use no server-side prepared statements
  (`prepare_threshold=0`), which a transaction-pooling PgBouncer in front would break.
- it has no retention of its own: every node of every run stays a row. `prune_finished` keeps
  only the latest checkpoint of a finished run (all that resume and `get_state` read), per
  `[factory] checkpoint_retention`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from factory.config import FactoryConfig
from factory.store.database import is_postgresql, libpq_dsn

log = structlog.get_logger()

CHECKPOINT_TYPES = [
    ("factory.run.state", "RunState"),
    ("factory.tickets.model", "Ticket"),
    ("agents.models", "Plan"),
    ("agents.models", "CodeChange"),
    ("agents.models", "AddedTests"),
    ("agents.models", "Review"),
    ("agents.models", "Finding"),
    ("agents.test_report", "TestReport"),
    ("agents.test_report", "TestCase"),
    ("policies.models", "Decision"),
    ("policies.models", "Verdict"),
    ("policies.models", "RiskScore"),
    ("policies.models", "RiskFactor"),
    ("policies.models", "Outcome"),
    ("policies.models", "DecisionKind"),
    ("policies.config", "AutonomyLevel"),
    ("factory.run.round_state", "RoundRequest"),
    ("factory.run.round_state", "RoundLogEntry"),
    ("factory.forges.feedback", "FeedbackItem"),
]
"""Types the checkpoint may hold; anything else is refused when a checkpoint is read back."""

SETUP_LOCK_KEY = 0x43484B50  # "CHKP"
_set_up: set[str] = set()
_set_up_guard = threading.Lock()


def _serde() -> JsonPlusSerializer:
    return JsonPlusSerializer(allowed_msgpack_modules=CHECKPOINT_TYPES)


@contextmanager
def open_checkpointer(config: FactoryConfig) -> Iterator[BaseCheckpointSaver[Any]]:
    """The run checkpointer the store's URL selects, closed on exit."""
    url = config.database_url
    if is_postgresql(url):
        with _postgres_saver(libpq_dsn(url)) as saver:
            yield saver
        return
    path = config.factory.data_dir / "checkpoints.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(path), check_same_thread=False)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        yield SqliteSaver(connection, serde=_serde())
    finally:
        connection.close()


@contextmanager
def _postgres_saver(dsn: str) -> Iterator[BaseCheckpointSaver[Any]]:
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    # A pool whose connections are checked before each use: a server restarted mid-run costs
    # a reconnect, not the run (a bare connection would be dead for the rest of the drive).
    # Two: the first setup holds its advisory lock on one while `setup()` takes the other.
    pool: ConnectionPool[Any] = ConnectionPool(
        dsn,
        min_size=1,
        max_size=2,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        check=ConnectionPool.check_connection,
        open=True,
    )
    try:
        saver = PostgresSaver(pool, serde=_serde())
        with pool.connection() as connection:
            _set_up_once(dsn, connection, saver)
        yield saver
    finally:
        pool.close()


def _set_up_once(dsn: str, connection: Any, saver: Any) -> None:
    with _set_up_guard:
        if dsn in _set_up:
            return
        # Poll instead of blocking: setup() builds indexes CONCURRENTLY, which waits for every
        # open transaction, including another process's blocked `pg_advisory_lock` call: a
        # deadlock. A try-lock holds no transaction open between attempts.
        while not connection.execute(
            "SELECT pg_try_advisory_lock(%s) AS locked", (SETUP_LOCK_KEY,)
        ).fetchone()["locked"]:
            time.sleep(0.1)
        try:
            saver.setup()
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK_KEY,))
        _set_up.add(dsn)


def prune_finished(checkpointer: BaseCheckpointSaver[Any], run_id: str, retention: str) -> bool:
    """Apply the retention setting to a run that is finished; True if rows were pruned.

    Housekeeping never fails a run: with a checkpointer that cannot prune (SQLite) nothing
    happens, and a prune that fails (a lost race) is logged and the rows stay.
    """
    if retention == "all":
        return False
    try:
        checkpointer.prune([run_id], strategy="keep_latest")
    except NotImplementedError:
        return False
    except Exception as exc:  # a serialisation failure or deadlock: the rows just stay
        log.warning("checkpoint prune failed", run_id=run_id, error=repr(exc)[:300])
        return False
    return True
