"""Structured logs: JSON lines for machines, readable lines for people, the run id on each line.

    configure_logging("auto")
    with bind_run(run.id):
        log.info("plan.created", steps=3)   # -> {"event": "plan.created", "run_id": "r-...", ...}

The run id travels in a context variable, so every logger in every package picks it up, and
asyncio tasks started inside the block inherit it (a thread needs `contextvars.copy_context()`).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal, TextIO

import structlog

LogFormat = Literal["auto", "json", "console"]

__all__ = ["LogFormat", "bind_run", "configure_logging", "get_logger", "resolve_format"]


def resolve_format(log_format: LogFormat, stream: TextIO) -> Literal["json", "console"]:
    """`auto` means console on a terminal, JSON lines everywhere else (pipes, files, CI)."""
    if log_format != "auto":
        return log_format
    isatty = getattr(stream, "isatty", None)
    return "console" if isatty is not None and isatty() else "json"


class _CurrentStderr:
    """Writes to whatever `sys.stderr` is at the time of the write, not at configuration: a
    caller that swaps stderr for a while (a test runner, a CLI harness) and closes its stream
    must not leave every later log line writing to a closed file."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(
    log_format: LogFormat = "auto", level: str = "info", stream: TextIO | None = None
) -> None:
    """Set up structlog once per process (calling again reconfigures). Logs go to stderr."""
    chosen = resolve_format(log_format, stream or sys.stderr)
    out: TextIO | _CurrentStderr = stream or _CurrentStderr()
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    if chosen == "json":
        processors += [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        processors.append(structlog.dev.ConsoleRenderer(colors=(stream or sys.stderr).isatty()))
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(out),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None) -> Any:
    """A structlog logger; `name` (usually `__name__`) lands in each line as `logger`."""
    logger = structlog.get_logger()
    return logger.bind(logger=name) if name else logger


@contextmanager
def bind_run(run_id: str, **extra: Any) -> Iterator[None]:
    """Every log line inside the block carries `run_id` (and `extra`), whatever logged it."""
    with structlog.contextvars.bound_contextvars(run_id=run_id, **extra):
        yield
