"""`factory` invoked in process against a real SQLite file in a test's temporary directory.

The fixtures are shared by the CLI tests of every tier: a conftest imports `db_url` and
`invoke` from here (pytest registers fixtures a conftest imports).
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from factory.cli import app

Invoke = Callable[..., Result]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'factory.db'}"


@pytest.fixture
def invoke(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run `factory ARGS` in tmp_path with the database there and no ambient FACTORY_* vars."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        environment = {"FACTORY_DATABASE_URL": db_url, "FACTORY_CONFIG": ""} | (env or {})
        return runner.invoke(app, list(args), env=environment)

    return run
