"""Preflight of the machine a run lands on: the data directory and the database."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from factory.checks.findings import CheckFinding
from factory.config.settings import FactoryConfig

MIN_FREE_BYTES = 64 * 1024 * 1024
"""Free space the data directory needs: checkpoints, clones, worktrees and logs grow there."""

DRIVER_EXTRAS = {"postgresql": "postgres", "postgres": "postgres"}
"""Database URL schemes whose driver ships in an agent-factory extra."""


def data_dir_findings(data_dir: Path) -> list[CheckFinding]:
    key = "factory.data_dir"
    existing = data_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return [
            CheckFinding(key=key, detail=f'"{data_dir}" is not a directory', fix="point it at one")
        ]
    if not os.access(existing, os.W_OK | os.X_OK):
        return [
            CheckFinding(
                key=key,
                detail=f'"{data_dir}" is not writable by this user',
                fix="fix its permissions or choose another data_dir",
                kind="environment",
            )
        ]
    free = shutil.disk_usage(existing).free
    if free < MIN_FREE_BYTES:
        return [
            CheckFinding(
                key=key,
                detail=f'"{data_dir}" has {free // 1024} KiB free; runs need at least '
                f"{MIN_FREE_BYTES // (1024 * 1024)} MiB (clones, worktrees, checkpoints)",
                fix="free disk space there or move data_dir",
                kind="environment",
            )
        ]
    return []


def database_findings(config: FactoryConfig) -> list[CheckFinding]:
    """The URL's scheme is known, its driver installed, and the database opens."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    key = "factory.database_url"
    url = config.database_url
    try:
        parsed = make_url(url)
    except ArgumentError:
        return [
            CheckFinding(
                key=key,
                detail=f'"{url}" is not a database URL',
                fix="use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
            )
        ]
    shown = parsed.render_as_string(hide_password=True)
    scheme = parsed.get_backend_name()
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        return [
            CheckFinding(
                key=key,
                detail=f'"{shown}": unknown database scheme {parsed.drivername!r}',
                fix="use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
            )
        ]
    from factory.store.database import unsupported_backend

    unsupported = unsupported_backend(url)
    if unsupported is not None:
        return [
            CheckFinding(
                key=key,
                detail=unsupported,
                fix="use sqlite:///PATH (the default) or postgresql+psycopg://USER@HOST/DB",
            )
        ]
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        extra = DRIVER_EXTRAS.get(scheme)
        how = (
            f"pip install 'agent-factory[{extra}]'"
            if extra
            else f"install the Python driver {parsed.get_driver_name()!r}"
        )
        return [
            CheckFinding(
                key=key,
                detail=f'"{shown}": the {parsed.get_driver_name()} driver is not installed '
                f"({exc.name or exc})",
                fix=how,
                kind="environment",
            )
        ]
    if scheme == "sqlite":
        return _sqlite_file(key, parsed.database)
    try:
        engine = create_engine(url, pool_pre_ping=True)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
        return [
            CheckFinding(
                key=key,
                detail=f'"{shown}" cannot be opened: {first}',
                fix="check the URL and that the database server is up",
                kind="environment",
            )
        ]
    return []


def _sqlite_file(key: str, database: str | None) -> list[CheckFinding]:
    if not database or database == ":memory:":
        return []
    path = Path(database)
    if path.is_dir():
        return [
            CheckFinding(key=key, detail=f'"{path}" is a directory', fix="name a file inside it")
        ]
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            return [
                CheckFinding(
                    key=key,
                    detail=f'"{path}" is not readable and writable by this user',
                    fix="fix its permissions",
                    kind="environment",
                )
            ]
        return []
    try:  # the store creates the folder on first use; trying is the only honest check
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return [
            CheckFinding(
                key=key,
                detail=f'"{path}" cannot be created: {exc.strerror or exc} ({exc.filename})',
                fix="point the URL (or data_dir) at a writable place",
                kind="environment",
            )
        ]
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return [
            CheckFinding(
                key=key,
                detail=f'"{path}" cannot be created: {path.parent} is not writable',
                fix="point the URL (or data_dir) at a writable place",
                kind="environment",
            )
        ]
    return []
