"""The CLI in process against a real SQLite file, for `factory autonomy show`."""

from tests.support.cli import Invoke, db_url, invoke

__all__ = ["Invoke", "db_url", "invoke"]
