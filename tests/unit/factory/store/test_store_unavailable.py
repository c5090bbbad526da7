"""A database that cannot be opened is said in one line naming it, never a traceback."""

import socket

import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.store import Store
from factory.store.database import StoreUnavailableError


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def runs_list(url: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["runs", "list"], env={"FACTORY_DATABASE_URL": url, "FACTORY_CONFIG": ""}
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


def test_unreachable_postgresql_server_is_one_line_with_the_password_hidden() -> None:
    url = f"postgresql+psycopg://bot:s3cret@127.0.0.1:{closed_port()}/factory"
    code, output = runs_list(url)
    assert code == 1
    assert output.startswith("error: postgresql+psycopg://bot:***@127.0.0.1:")
    assert "cannot connect" in output and "s3cret" not in output
    assert "Traceback" not in output


def test_a_driver_that_is_not_installed_names_the_extra_to_install() -> None:
    with pytest.raises(StoreUnavailableError, match=r"agent-factory\[postgres\]"):
        Store("postgresql+nosuchdriver://bot@127.0.0.1/factory")


def test_a_url_that_is_no_database_url_says_what_one_looks_like() -> None:
    code, output = runs_list("not a url")
    assert code == 1
    assert "not a database URL" in output and "postgresql+psycopg://" in output
