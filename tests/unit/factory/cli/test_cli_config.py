"""`factory config check|show` and the global --config option."""

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import Invoke

GOOD = '[repos.demo]\npath = "."\ntest_command = "pytest -q"\nbase_branch = "main"\n'


@pytest.fixture(autouse=True)
def _tmp_path_is_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`path = "."` names tmp_path: a git repository with one commit on main; and a model."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "-c", "user.name=a", "-c", "user.email=a@b"]
        + ["commit", "-q", "--allow-empty", "-m", "first"],
        check=True,
    )
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")


def test_config_check_exits_2_with_the_reason_and_nothing_else(
    invoke: Invoke, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[budgets]\nmax_usd = 0\n")
    result = invoke("--config", str(bad), "config", "check")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == f"error: {bad}: budgets.max_usd = 0: should be greater than 0"


def test_config_show_json_resolves_overrides_and_hides_secrets(
    invoke: Invoke, tmp_path: Path
) -> None:
    (tmp_path / "factory.toml").write_text(GOOD)
    result = invoke(
        "config",
        "show",
        "--json",
        env={"ANTHROPIC_API_KEY": "sk-ant-supersecret", "FACTORY_SANDBOX__PIDS": "64"},
    )
    assert result.exit_code == 0
    assert "supersecret" not in result.stdout
    shown = json.loads(result.stdout)
    assert shown["secrets"]["ANTHROPIC_API_KEY"] == "set (redacted)"
    assert shown["sandbox"]["pids"] == 64
    assert shown["repos"]["demo"]["path"] == str(tmp_path)


def test_config_show_renders_toml_for_people(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "factory.toml").write_text(GOOD)
    result = invoke("config", "show")
    assert result.exit_code == 0
    assert "[repos.demo]" in result.stdout and 'test_command = "pytest -q"' in result.stdout


def test_config_show_shows_every_default_even_the_ones_that_are_absent(
    invoke: Invoke, tmp_path: Path
) -> None:
    """Every key of the resolved config appears: a value, or (TOML has no null) a comment
    saying what leaving it unset means."""
    from factory.config import load_config

    (tmp_path / "factory.toml").write_text(GOOD)
    shown = invoke("config", "show", env={"COLUMNS": "300"}).stdout
    data = load_config(tmp_path / "factory.toml").redacted()

    def keys(table: dict[str, object], path: str = "") -> list[str]:
        found = []
        for key, value in table.items():
            if isinstance(value, dict) and value:
                found += keys(value, f"{path}{key}.")
            elif isinstance(value, dict):
                found.append(f"[{path}{key}]")  # an empty table: its header
            elif path:
                found.append(f"\n{key} = ")
        return found

    for key in keys(data):
        unset = key.replace(" = ", ": not set").replace("\n", "\n# ")
        assert key in shown or unset in shown, key
    assert "stop_grace_s = 120.0" in shown
    assert "# budget: not set: [budgets] applies" in shown
    assert "# planner: not set: [models.default] serves this role" in shown


def test_every_command_explains_itself_in_help(invoke: Invoke) -> None:
    for command in (
        [],
        ["config"],
        ["config", "check"],
        ["config", "show"],
        ["runs", "list"],
        ["runs", "show"],
        ["audit", "verify"],
        ["audit", "digest"],
        ["audit", "export"],
        ["doctor"],
    ):
        result = invoke(*command, "--help")
        assert result.exit_code == 0, command
        assert "Usage:" in result.stdout
