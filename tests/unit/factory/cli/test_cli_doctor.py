"""`factory doctor` without Docker: Python, config and database checks."""

import json
from pathlib import Path

from factory.store.database import head_revision

from .conftest import Invoke


def test_doctor_reports_each_check_as_json(invoke: Invoke) -> None:
    result = invoke("doctor", "--skip-sandbox", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert [check["name"] for check in report["checks"]] == ["python", "config", "database"]
    assert set(report["checks"][0]) == {"name", "ok", "detail", "hint", "warning"}
    assert f"schema {head_revision()}, head" in report["checks"][2]["detail"]


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


def test_doctor_warns_about_a_configured_model_without_a_price(
    invoke: Invoke, tmp_path: Path
) -> None:
    (tmp_path / "factory.toml").write_text(
        '[models.default]\nprovider = "openai"\nmodel = "qwen3-coder"\n'
        'base_url = "http://127.0.0.1:9/v1"\n\n[models.reviewer]\nmodel = "claude-sonnet-4-5"\n'
    )
    result = invoke("doctor", "--skip-sandbox", "--json")
    assert result.exit_code == 0, result.output  # a warning, not a failure
    checks = json.loads(result.stdout)["checks"]
    (pricing,) = [check for check in checks if check["name"] == "pricing"]
    assert pricing["ok"] is True and pricing["warning"] is True
    assert "'qwen3-coder' has no price" in pricing["detail"]
    assert '[pricing."qwen3-coder"]' in pricing["hint"]
    shown = invoke("doctor", "--skip-sandbox")
    assert "warn" in shown.output and "qwen3-coder" in shown.output
