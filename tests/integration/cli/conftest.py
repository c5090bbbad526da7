"""Invoke the real `factory` app against a real SQLite file in a temporary directory."""

from tests.support.cli import Invoke, db_url, invoke

__all__ = ["Invoke", "db_url", "invoke"]
