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
