"""The options given before the command (`factory --config FILE --log-format json ...`).

The root callback records them on every invocation (tests invoke the app many times in one
process); `context` loads the configuration they select, and `errors` finds the data
directory for a crash report through them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from factory.support.logs import LogFormat


@dataclass
class GlobalOptions:
    config_path: Path | None = None
    log_format: LogFormat | None = None


options = GlobalOptions()


def set_global_options(config_path: Path | None, log_format: LogFormat | None) -> None:
    options.config_path = config_path
    options.log_format = log_format
