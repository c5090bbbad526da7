"""deploy/compose.yaml is a valid Compose file for Debian's docker-compose, with the services
and the safety settings the operations guide promises."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

COMPOSE = Path(__file__).resolve().parents[3] / "deploy" / "compose.yaml"


def compose_config(**env: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("docker-compose") is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose (Debian's package) is missing on CI")
        pytest.skip("docker-compose is not installed")
    clean = {
        k: v for k, v in os.environ.items() if k not in ("POSTGRES_PASSWORD", "FACTORY_WEB_TOKEN")
    }
    return subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_compose_file_validates_and_names_every_service() -> None:
    result = compose_config(POSTGRES_PASSWORD="pw", FACTORY_WEB_TOKEN="t0ken")
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert set(resolved["services"]) == {"postgres", "worker", "dashboard"}
    worker = resolved["services"]["worker"]
    assert worker["command"][:2] == ["factory", "worker"]
    assert "postgresql+psycopg://factory:pw@postgres:5432/factory" in str(worker["environment"])
    assert worker["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert worker["stop_grace_period"] == "10m"


def test_the_database_password_must_be_given() -> None:
    result = compose_config(FACTORY_WEB_TOKEN="t0ken")
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_the_dashboard_token_must_be_given() -> None:
    # The dashboard listens beyond loopback inside the stack, which `factory serve` refuses
    # without a token; compose says so before anything starts.
    result = compose_config(POSTGRES_PASSWORD="pw")
    assert result.returncode != 0
    assert "FACTORY_WEB_TOKEN" in result.stderr
