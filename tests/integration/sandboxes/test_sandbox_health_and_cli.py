"""`check_sandbox` (used by `factory doctor`) and the `factory sandbox` commands."""

from __future__ import annotations

import json
from pathlib import Path

import docker
import pytest
from typer.testing import CliRunner

from factory.checks.sandbox import check_sandbox
from factory.cli import app
from sandboxes.config import DockerSandboxConfig

pytestmark = [pytest.mark.integration, pytest.mark.docker]
runner = CliRunner()


def test_health_reports_engine_image_and_each_hardening_property(
    docker_client: docker.DockerClient,
) -> None:
    checks = check_sandbox(DockerSandboxConfig())
    by_name = {check.key: check for check in checks}
    assert list(by_name) == [
        "docker engine",
        "sandbox.image",
        "runs as non-root",
        "network none",
        "limits applied",
        "read-only root",
    ]
    assert all(check.severity == "ok" for check in checks), checks
    assert all(check.fix == "" for check in checks)
    assert "API 1." in by_name["docker engine"].detail
    assert by_name["network none"].detail == "mode none, interfaces lo"


def test_health_of_a_missing_image_stops_with_the_fix(docker_client: docker.DockerClient) -> None:
    checks = check_sandbox(DockerSandboxConfig(image="agent-factory/absent:never"))
    assert [check.severity for check in checks] == ["ok", "error"]
    assert "build-base" in checks[1].fix


def test_cli_exec_runs_the_command_and_returns_its_exit_code(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    (tmp_path / "hello.txt").write_text("hi there\n")
    result = runner.invoke(
        app,
        ["sandbox", "exec", "--worktree", str(tmp_path), "--", "sh", "-c", "cat hello.txt; exit 4"],
    )
    assert result.exit_code == 4
    assert "hi there" in result.stdout


def test_cli_exec_json_is_one_parsable_object(docker_client: docker.DockerClient) -> None:
    result = runner.invoke(app, ["sandbox", "exec", "--json", "--", "id", "-u"])
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["exit_code"] == 0 and payload["stdout"].strip() != "0"


def test_cli_exec_with_a_missing_worktree_is_bad_input(docker_client: docker.DockerClient) -> None:
    result = runner.invoke(app, ["sandbox", "exec", "--worktree", "/no/such/dir", "--", "true"])
    assert result.exit_code == 2
    assert "not a directory" in result.output


def test_cli_build_base_reports_an_up_to_date_image(docker_client: docker.DockerClient) -> None:
    result = runner.invoke(app, ["sandbox", "build-base", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["skipped"] is True
    said = runner.invoke(app, ["sandbox", "build-base"])
    assert said.exit_code == 0, said.output
    # One message for one no-op (it used to say "up to date", then "already current").
    assert said.output.count("current") == 1 and "up to date" not in said.output
    assert "nothing to build" in said.output


def test_cli_prune_dry_run_lists_and_keeps(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        ["sandbox", "prune", "--dry-run", "--json"],
        env={"FACTORY_DATABASE_URL": f"sqlite:///{tmp_path}/f.db"},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["dry_run"] is True
