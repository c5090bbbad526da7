"""SQLite's write lock held too long by another process: who holds it, said in plain words."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.exc import OperationalError

from factory.support.errors import FAILED, FactoryError


class DatabaseBusyError(FactoryError, RuntimeError):
    """Another process kept the database locked for longer than `[factory] busy_timeout_s`."""

    code = "database_busy"
    exit_code = FAILED


def is_locked(failure: BaseException) -> bool:
    """True for SQLite's "database is locked" / "database is busy" (SQLITE_BUSY)."""
    if not isinstance(failure, OperationalError):
        return False
    text = str(failure.orig).lower()
    return "database is locked" in text or "database is busy" in text


def busy_error(database: str, waited_s: float) -> DatabaseBusyError:
    """The error to raise after waiting `waited_s` for the lock on `database`."""
    holders = processes_using(Path(database))
    who = (
        "held by " + ", ".join(holders)
        if holders
        else "held by another process (none could be identified from here)"
    )
    return DatabaseBusyError(
        f"the database {database} stayed locked for {waited_s:g}s, {who}; wait for it to "
        "finish or stop it, or raise [factory] busy_timeout_s"
    )


def processes_using(database: Path, limit: int = 3) -> list[str]:
    """`pid N (command line)` of other processes with the database (or its WAL) open.

    Reads /proc, so it finds processes of the same user (all of them as root) on Linux and
    nothing elsewhere; a holder it cannot see is simply not named.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    try:
        wanted = {str(database.resolve()) + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    except OSError:
        return []
    found: list[str] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        if _holds(entry, wanted):
            found.append(f"pid {entry.name} ({_command_line(entry)})")
            if len(found) >= limit:
                break
    return found


def _holds(process: Path, wanted: set[str]) -> bool:
    try:
        descriptors = list((process / "fd").iterdir())
    except OSError:
        return False
    for descriptor in descriptors:
        try:
            if os.readlink(descriptor) in wanted:
                return True
        except OSError:
            continue
    return False


def _command_line(process: Path) -> str:
    try:
        raw = (process / "cmdline").read_bytes()
    except OSError:
        return "?"
    words = [part.decode("utf-8", "backslashreplace") for part in raw.split(b"\0") if part]
    # One line: a command line may hold newlines (`python3 -c "..."`).
    return " ".join(" ".join(words).split())[:200] or "?"
