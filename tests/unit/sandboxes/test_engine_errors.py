from pathlib import Path

import pytest
from typer.testing import CliRunner

from factory.checks.sandbox import check_sandbox
from factory.cli import app
from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_engine import connect
from sandboxes.errors import EngineUnavailable


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")


@pytest.mark.usefixtures("no_engine")
def test_unreachable_engine_is_one_line_saying_what_to_do() -> None:
    with pytest.raises(EngineUnavailable, match=r"start it \(or set DOCKER_HOST\)") as caught:
        connect(timeout=5)
    assert "\n" not in str(caught.value)


@pytest.mark.usefixtures("no_engine")
def test_health_reports_the_unreachable_engine_and_stops() -> None:
    checks = check_sandbox(DockerSandboxConfig())
    assert [(check.key, check.severity) for check in checks] == [("docker engine", "error")]


@pytest.mark.usefixtures("no_engine")
def test_cli_exec_without_an_engine_fails_with_the_message() -> None:
    result = CliRunner().invoke(app, ["sandbox", "exec", "--", "true"])
    assert result.exit_code == 1
    assert "cannot reach the Docker engine" in result.output
