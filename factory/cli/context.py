"""What every command shares: loading the config and the store the same way, and failing.

Command modules call `cli_config()` / `cli_store()` rather than `load_config()` directly, so
`factory --config PATH <command>` and bad-input handling (message, exit 2) work everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from factory.cli.errors import BAD_INPUT, CommandError
from factory.cli.global_options import options
from factory.config import FactoryConfig, load_config
from factory.config.errors import ConfigError
from factory.support.logs import configure_logging

if TYPE_CHECKING:
    from factory.store import Store

__all__ = ["BAD_INPUT", "CommandError", "cli_config", "cli_store", "fail"]


DATABASE_HINT = "check [factory] database_url (or FACTORY_DATABASE_URL) and that the server is up"


def database_unreachable(exc: Exception) -> CommandError:
    """The store's server refused or timed out: exit 1, naming the URL (password hidden)."""
    return fail(str(exc), 1, kind="database", hint=DATABASE_HINT)


def fail(message: str, code: int = BAD_INPUT, *, kind: str = "", hint: str = "") -> CommandError:
    """The error to raise for an expected failure (2 = bad input); `factory.cli.errors`
    prints it as one line, or as JSON under `--json`, and exits with `code`."""
    return CommandError(message, exit_code=code, code=kind, hint=hint)


def cli_config() -> FactoryConfig:
    """The configuration the global options select; bad config exits 2 with the reason."""
    try:
        config = load_config(options.config_path)
    except ConfigError as exc:
        raise fail(str(exc), kind="config") from exc
    configure_logging(options.log_format or config.factory.log_format, config.factory.log_level)
    return config


def cli_store(config: FactoryConfig | None = None) -> Store:
    """The store the configuration names, opened and migrated; a database that cannot be
    opened exits 1 saying why."""
    from sqlalchemy.exc import SQLAlchemyError

    from factory.store import Store
    from factory.store.database import StoreUnavailableError

    config = config or cli_config()
    try:
        return Store.open(config)
    except StoreUnavailableError as exc:
        raise database_unreachable(exc) from exc
    except (OSError, SQLAlchemyError) as exc:
        reason = getattr(exc, "orig", None) or exc
        text = (getattr(reason, "strerror", None) or str(reason)).strip().splitlines()[0]
        where = getattr(reason, "filename", None)
        free = _free_bytes(config.factory.data_dir)
        full = 0 <= free < 1024 * 1024
        raise fail(
            f"cannot open the database {_shown_url(config.database_url)}: {text}"
            + (f" ({where})" if where else "")
            + (f"; the data directory's disk has {free // 1024} KiB free" if full else ""),
            1,
            kind="database",
            hint="free disk space there or move data_dir"
            if full
            else "check [factory] database_url and data_dir; `factory config check` tests them",
        ) from exc


def _free_bytes(folder: Path) -> int:
    """Free bytes on the disk holding `folder` (or its nearest existing parent); -1 unknown."""
    import shutil

    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return -1


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as typed; it has no password to hide
        return url
