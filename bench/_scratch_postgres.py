"""A PostgreSQL server to create scratch databases on, for the benchmarks and the tests
(underscored, so `python -m bench` does not take it for a benchmark).

The server comes from FACTORY_TEST_POSTGRES_URL, else from `.ci/postgres.sh`, which finds or
starts a throwaway cluster of Debian's PostgreSQL. It lives with the benchmarks because the
product and the benchmarks never import the tests; the tests' own `tests/support/databases.py`
builds its per-test databases on these two functions.
"""

from __future__ import annotations

import functools
import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from factory.store.database import libpq_dsn

POSTGRES_URL_ENV = "FACTORY_TEST_POSTGRES_URL"
CLUSTER_SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "postgres.sh"


@functools.cache
def postgres_server_url() -> str | None:
    """A SQLAlchemy URL of a PostgreSQL server tests may create databases on, or None."""
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if url:
        return url
    if not CLUSTER_SCRIPT.exists():
        return None
    found = subprocess.run(
        ["bash", str(CLUSTER_SCRIPT)], capture_output=True, text=True, timeout=180, check=False
    )
    url = found.stdout.strip()
    if url:
        os.environ[POSTGRES_URL_ENV] = url  # child processes of the tests find it too
    return url or None


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server for the duration; yields its SQLAlchemy URL."""
    import psycopg

    name = f"factory_test_{uuid.uuid4().hex[:12]}"
    admin = libpq_dsn(server_url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
