"""What every command shares: the global options, and loading config/store the same way.

Command modules call `cli_config()` / `cli_store()` rather than `load_config()` directly, so
`factory --config PATH <command>` and bad-input handling (message, exit 2) work everywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

from factory.config import FactoryConfig, load_config
from factory.config.errors import ConfigError
from factory.logs import LogFormat, configure_logging

if TYPE_CHECKING:
    from factory.store import Store

BAD_INPUT = 2
errors = Console(stderr=True)


@dataclass
class GlobalOptions:
    config_path: Path | None = None
    log_format: LogFormat | None = None


options = GlobalOptions()
"""Set by the root callback on every invocation (tests invoke the app many times per process)."""


def set_global_options(config_path: Path | None, log_format: LogFormat | None) -> None:
    options.config_path = config_path
    options.log_format = log_format


def fail(message: str, code: int = BAD_INPUT) -> typer.Exit:
    """Print `error: message` to stderr and return the Exit to raise (2 = bad input)."""
    # Messages quote config (`[models.default]`, `[repos."x"]`): print them, don't parse them.
    errors.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def cli_config() -> FactoryConfig:
    """The configuration the global options select; bad config exits 2 with the reason."""
    try:
        config = load_config(options.config_path)
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    configure_logging(options.log_format or config.factory.log_format, config.factory.log_level)
    return config


def cli_store(config: FactoryConfig | None = None) -> Store:
    """The store the configuration names, opened and migrated; exit 1 saying why it cannot be."""
    from factory.store import Store
    from factory.store.database import StoreUnavailableError

    try:
        return Store.open(config or cli_config())
    except StoreUnavailableError as exc:
        raise fail(str(exc), code=1) from exc


def print_json(value: Any) -> None:
    """One JSON document on stdout for scripts (no Rich markup, no wrapping)."""
    typer.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))
