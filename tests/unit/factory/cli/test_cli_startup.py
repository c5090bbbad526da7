"""`factory` starts without importing the heavy parts, and every command's help still renders.

Start-up is checked by what a fresh interpreter has imported, not by timing: LangGraph,
SQLAlchemy, the Docker SDK, PyGithub and the model SDKs are what made `factory --version` take
seconds, and only the command that needs one may import it.
"""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from factory import __version__
from factory.cli import app

HEAVY_MODULES = (
    "alembic",
    "anthropic",
    "detect_secrets",
    "docker",
    "git",  # GitPython
    "github",  # PyGithub
    "langchain_core",
    "langgraph",
    "openai",
    "sqlalchemy",
)
LAZY_PACKAGES = ("factory.git", "factory.store", "factory.forges")


def heavy_modules_after(statement: str, cwd: Path) -> list[str]:
    """Run `statement` in a fresh interpreter; the heavy modules it left in sys.modules."""
    probe = (
        f"import sys\n{statement}\n"
        "import json\n"
        f"heavy = {HEAVY_MODULES!r}\n"
        "print(json.dumps(sorted(n for n in sys.modules if n.split('.')[0] in heavy)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_importing_the_cli_loads_no_heavy_dependency(tmp_path: Path) -> None:
    assert heavy_modules_after("import factory.cli", tmp_path) == []


def test_config_models_load_without_the_packages_they_come_from(tmp_path: Path) -> None:
    statement = "import factory.config, harness.config, policies.config, sandboxes.config"
    assert heavy_modules_after(statement, tmp_path) == []


def test_the_probe_notices_a_heavy_import(tmp_path: Path) -> None:
    # Guards the two tests above against passing because the probe sees nothing.
    assert "sqlalchemy" in heavy_modules_after("import factory.store.store", tmp_path)


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_entry_point_answers_in_a_fresh_interpreter(args: list[str], tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from factory.cli import main; main()", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    expected = f"agent-factory {__version__}" if args == ["--version"] else "Usage:"
    assert expected in done.stdout


def command_paths(command: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group below `command`, as the words typed after `factory`."""
    paths = [prefix]
    if isinstance(command, typer.core.TyperGroup):
        for name, child in sorted(command.commands.items()):
            paths.extend(command_paths(child, (*prefix, name)))
    return paths


ALL_COMMANDS = command_paths(typer.main.get_command(app))


def test_the_walk_finds_every_command_group() -> None:
    top_level = {path[0] for path in ALL_COMMANDS if path}
    expected = {"audit", "config", "policy", "pr", "run", "runs", "sandbox", "halt", "demo"}
    assert expected <= top_level
    assert ("runs", "list") in ALL_COMMANDS


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda path: " ".join(path) or "factory")
def test_every_command_help_renders(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert "--help" in result.output


@pytest.mark.parametrize("package_name", LAZY_PACKAGES)
def test_lazy_package_exports_every_name_it_lists(package_name: str) -> None:
    package = importlib.import_module(package_name)
    home_of = {name: module for module, names in package._HOMES.items() for name in names}
    assert set(home_of) == set(package.__all__)
    for name in package.__all__:
        home = importlib.import_module(home_of[name])
        assert getattr(package, name) is getattr(home, name)
        assert name in dir(package)


@pytest.mark.parametrize("package_name", LAZY_PACKAGES)
def test_lazy_package_rejects_unknown_names(package_name: str) -> None:
    package = importlib.import_module(package_name)
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = package.no_such_name


def test_from_import_of_a_lazy_name_works() -> None:
    from factory.store import Store

    assert callable(Store.open)


def test_a_repository_policy_imports_its_names_from_the_package(tmp_path: Path) -> None:
    # What docs/policies.md tells a repository's own policy to write, in a fresh interpreter.
    statement = (
        "from policies import Outcome, Verdict, GateContext\n"
        "assert Verdict(outcome=Outcome.ALLOW).outcome is Outcome.ALLOW"
    )
    assert heavy_modules_after(statement, tmp_path) == []
