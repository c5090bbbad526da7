"""`factory doctor` without Docker: Python, config and database checks."""

import json
import re
from pathlib import Path

import pytest

from .conftest import Invoke


def test_doctor_reports_each_check_as_json(invoke: Invoke) -> None:
    result = invoke("doctor", "--skip-sandbox", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert [check["name"] for check in report["checks"]] == ["python", "config", "database"]
    assert set(report["checks"][0]) == {"name", "ok", "detail", "hint"}
    assert re.search(r"schema \S+, head\)", report["checks"][2]["detail"])


def test_doctor_names_a_broken_config_and_how_to_fix_it(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "factory.toml").write_text("[factory\n")
    result = invoke("doctor", "--skip-sandbox", "--json")
    assert result.exit_code == 1
    config = json.loads(result.stdout)["checks"][1]
    assert config["ok"] is False and "TOML syntax error" in config["detail"]
    assert "factory config check" in config["hint"]


def test_doctor_reports_an_unreachable_database(invoke: Invoke, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke(
        "doctor",
        "--skip-sandbox",
        "--json",
        env={"FACTORY_DATABASE_URL": f"sqlite:///{blocker}/sub/factory.db"},
    )
    assert result.exit_code == 1
    database = json.loads(result.stdout)["checks"][2]
    assert database["ok"] is False and "FACTORY_DATABASE_URL" in database["hint"]


@pytest.mark.integration
@pytest.mark.docker
def test_doctor_includes_the_sandbox_checks_from_the_docker_engine(invoke: Invoke) -> None:
    result = invoke("doctor", "--json")
    names = [check["name"] for check in json.loads(result.stdout)["checks"]]
    assert names[:4] == ["python", "config", "database", "docker engine"]
    assert "sandbox image" in names
