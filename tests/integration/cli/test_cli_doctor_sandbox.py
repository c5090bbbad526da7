"""`factory doctor` with the Docker engine: the sandbox checks and `--repo`'s test command."""

import json
from pathlib import Path

import pytest

import factory.demo
from tests.support.cli import Invoke

DEMO_CASSETTE = Path(factory.demo.__file__).parent / "cassette.jsonl"


@pytest.mark.integration
@pytest.mark.docker
def test_doctor_includes_the_sandbox_checks_from_the_docker_engine(invoke: Invoke) -> None:
    result = invoke("doctor", "--json")
    names = [check["name"] for check in json.loads(result.stdout)["checks"]]
    assert names[:2] == ["python", "config"]
    assert {"database", "docker engine", "sandbox.image", "read-only root"} <= set(names)


def _repo_with_tests(tmp_path: Path, test_command: str) -> None:
    import subprocess

    repo = tmp_path / "app"
    repo.mkdir()
    (repo / "test_app.py").write_text("def test_app():\n    assert 1 + 1 == 2\n")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "x"],
        check=True,
    )
    (tmp_path / "factory.toml").write_text(
        f'[factory]\ndata_dir = "{tmp_path / "data"}"\n\n'
        f'[models.default]\nprovider = "replay"\ncassette = "{DEMO_CASSETTE}"\n\n'
        f'[repos.app]\npath = "{repo}"\ntest_command = "{test_command}"\n'
    )


@pytest.mark.integration
@pytest.mark.docker
def test_doctor_repo_runs_the_test_command_on_the_base_commit(
    invoke: Invoke, tmp_path: Path
) -> None:
    _repo_with_tests(tmp_path, "python -m pytest -q")
    result = invoke("doctor", "--repo", "app", "--json")
    assert result.exit_code == 0, result.output
    (check,) = [c for c in json.loads(result.stdout)["checks"] if c["name"] == "tests (app)"]
    assert check["ok"] is True and check["warning"] is False
    assert "`python -m pytest -q` ran on main" in check["detail"]
    assert "1 passed" in check["detail"]


@pytest.mark.integration
@pytest.mark.docker
def test_doctor_repo_says_a_test_command_cannot_run_and_how_to_fix_it(
    invoke: Invoke, tmp_path: Path
) -> None:
    _repo_with_tests(tmp_path, "nosuchrunner -q")
    result = invoke("doctor", "--repo", "app", "--json")
    assert result.exit_code == 1
    (check,) = [c for c in json.loads(result.stdout)["checks"] if c["name"] == "tests (app)"]
    assert check["ok"] is False
    assert "`nosuchrunner -q` cannot run on main" in check["detail"]
    assert "nosuchrunner: not found" in check["detail"]
    assert 'fix test_command in [repos."app"]' in check["hint"]
