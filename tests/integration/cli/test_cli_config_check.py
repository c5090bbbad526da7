"""`factory config check` of a valid file: every check passes, the Docker engine's included."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import Invoke

pytestmark = [pytest.mark.integration, pytest.mark.docker]

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


def test_config_check_accepts_a_valid_file(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "factory.toml").write_text(GOOD)
    result = invoke("config", "check")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"ok: {tmp_path / 'factory.toml'} is valid (demo)"


def test_config_env_var_selects_the_file(invoke: Invoke, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(GOOD.replace("demo", "other"))
    result = invoke("config", "check", env={"FACTORY_CONFIG": str(other)})
    assert result.exit_code == 0 and "(other)" in result.stdout


def test_config_check_json_lists_problems_for_scripts(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "factory.toml").write_text('[factory]\nlog_format = "xml"\n')
    result = invoke("config", "check", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "ok": False,
        "error": {
            "code": "config",
            "message": f'{tmp_path / "factory.toml"}: factory.log_format = "xml": '
            "should be 'auto', 'json' or 'console'",
            "hint": "",
        },
    }
    (tmp_path / "factory.toml").write_text(GOOD)
    ok = invoke("config", "check", "--json")
    assert ok.exit_code == 0
    assert json.loads(ok.stdout) == {
        "ok": True,
        "source": str(tmp_path / "factory.toml"),
        "repos": ["demo"],
        "findings": [],
    }
