"""`factory doctor` without Docker: Python, config and database checks."""

import json
from pathlib import Path

import factory.demo
from factory.store.database import head_revision

from .conftest import Invoke

DEMO_CASSETTE = Path(factory.demo.__file__).parent / "cassette.jsonl"


def _replayed_models(tmp_path: Path) -> None:
    (tmp_path / "factory.toml").write_text(
        f'[models.default]\nprovider = "replay"\ncassette = "{DEMO_CASSETTE}"\n'
    )


def test_doctor_reports_each_check_as_json(invoke: Invoke, tmp_path: Path) -> None:
    _replayed_models(tmp_path)
    result = invoke("doctor", "--skip-sandbox", "--json")
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert [check["name"] for check in report["checks"]] == ["python", "config", "database"]
    assert {"name", "ok", "detail", "hint", "warning"} <= set(report["checks"][0])
    assert f"schema {head_revision()}, head" in report["checks"][2]["detail"]


def test_doctor_fails_where_a_run_would_refuse_the_model(invoke: Invoke) -> None:
    # The default model is Anthropic's; with no key a run refuses to start, so doctor fails too.
    result = invoke("doctor", "--skip-sandbox", "--json", env={"ANTHROPIC_API_KEY": ""})
    assert result.exit_code == 1
    (model,) = [c for c in json.loads(result.stdout)["checks"] if c["name"].startswith("models")]
    assert model["ok"] is False and "ANTHROPIC_API_KEY is not set" in model["detail"]
    checked = invoke("config", "check", "--offline", env={"ANTHROPIC_API_KEY": ""})
    assert checked.exit_code == 2 and "ANTHROPIC_API_KEY is not set" in checked.output


def test_doctor_names_a_broken_config_and_how_to_fix_it(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "factory.toml").write_text("[factory\n")
    result = invoke("doctor", "--skip-sandbox", "--json")
    assert result.exit_code == 1
    config = json.loads(result.stdout)["checks"][1]
    assert config["ok"] is False and "TOML syntax error" in config["detail"]
    assert "factory config check" in config["hint"]


def test_doctor_reports_an_unreachable_database(invoke: Invoke, tmp_path: Path) -> None:
    _replayed_models(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke(
        "doctor",
        "--skip-sandbox",
        "--json",
        env={"FACTORY_DATABASE_URL": f"sqlite:///{blocker}/sub/factory.db"},
    )
    assert result.exit_code == 1
    (database,) = [c for c in json.loads(result.stdout)["checks"] if "database" in c["name"]]
    assert database["ok"] is False and "cannot be created" in database["detail"]


def test_doctor_warns_about_a_configured_model_without_a_price(
    invoke: Invoke, tmp_path: Path
) -> None:
    (tmp_path / "factory.toml").write_text(
        '[models.default]\nprovider = "openai"\nmodel = "qwen3-coder"\n'
        'base_url = "http://127.0.0.1:9/v1"\n\n[models.reviewer]\nmodel = "claude-sonnet-4-5"\n'
    )
    result = invoke("doctor", "--skip-sandbox", "--json", env={"ANTHROPIC_API_KEY": "sk-test"})
    assert result.exit_code == 0, result.output  # a warning, not a failure
    checks = json.loads(result.stdout)["checks"]
    (pricing,) = [check for check in checks if check["name"].startswith("pricing")]
    assert pricing["ok"] is True and pricing["warning"] is True
    assert "'qwen3-coder' has no price" in pricing["detail"]
    assert '[pricing."qwen3-coder"]' in pricing["hint"]
    shown = invoke("doctor", "--skip-sandbox", env={"ANTHROPIC_API_KEY": "sk-test"})
    assert "warn" in shown.output and "qwen3-coder" in shown.output
