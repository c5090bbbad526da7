"""`SessionScopes`: the two ways into the database that the store gives each repository."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from factory.store.database import WRITE_OPTION


class SessionScopes:
    """Reads and write transactions on one engine, shared by every repository of a `Store`.

    Objects read through either stay readable after their session closes
    (`expire_on_commit=False`): repositories hand out detached snapshots, never live rows.
    """

    def __init__(self, engine: Engine) -> None:
        self._reads = sessionmaker(engine, expire_on_commit=False)
        # The write option makes SQLite open with BEGIN IMMEDIATE (see database.py), so a
        # writer holds the lock before it reads what it will change.
        writer = engine.execution_options(**{WRITE_OPTION: True})
        self._writes = sessionmaker(writer, expire_on_commit=False)

    def read(self) -> Session:
        """A session for reading: `with scopes.read() as session: ...`."""
        return self._reads()

    def write(self) -> AbstractContextManager[Session]:
        """One write transaction: committed when the `with` ends, rolled back on an error."""
        return self._writes.begin()
