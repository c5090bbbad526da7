"""What the CLI prints is the text as written: Rich never eats a `[table]` name.

Messages quote factory.toml (`[repos."app"]`, `[pricing."<model>"]`, `[budgets]`), and tables
show ticket titles and branch names from outside. Rich markup took each bracketed word for a
style: `[pricing."m"]` vanished, and an escaped one came out as `\\[repos."rm"]`. Every error,
hint, line and table cell is rendered here through Rich, captured, and compared with the text.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest
import typer
import typer.core
from rich.text import Text

from factory.cli import app, errors
from factory.cli.errors import CommandError
from factory.config import load_config
from factory.store import Store
from tests.unit.factory.cli.conftest import Invoke

CLI_SOURCES = Path(errors.__file__).parent
WIDE = {"COLUMNS": "400"}  # tables fold long cells at 80 columns; the words must stay whole

LITERALS = [
    'add [repos."x"] to factory.toml',
    'set input and output under [pricing."m"]',
    "or set [budgets] max_tokens",
    "[models.default] model = ...",
    "[bold]not bold[/], [red]not red[/] and [/] alone",
    "a backslash before a bracket: \\[repos.x] stays as typed",
    ":warning: is not an emoji here",
]


@pytest.mark.parametrize("text", LITERALS)
def test_an_error_and_its_hint_print_as_written(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    errors.report(CommandError(f"message {text}", hint=f"hint {text}"), as_json=False)
    printed = capsys.readouterr().err
    assert printed == f"error: message {text}\nhint: hint {text}\n"


def test_init_run_twice_names_the_section_as_written(invoke: Invoke, tmp_path: Path) -> None:
    repo = tmp_path / "rm"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    first = invoke("init", str(repo))
    assert first.exit_code == 0, first.output
    assert 'added [repos."rm"] to ' in first.stdout
    second = invoke("init", str(repo))
    assert second.exit_code == 2
    assert 'already has [repos."rm"]; edit that section' in second.stderr
    assert "\\[" not in second.stderr


def test_an_unknown_repository_says_which_section_to_add(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "factory.toml").write_text('[repos.app]\npath = "."\ntest_command = "true"\n')
    result = invoke("halt", "--repo", "nope", "--reason", "outage")
    assert result.exit_code == 2
    assert '[repos."nope"] to ' in result.stderr


def test_doctor_pricing_hint_keeps_its_table_names(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "factory.toml").write_text(
        '[models.default]\nprovider = "openai"\nmodel = "qwen3-coder"\n'
        'base_url = "http://127.0.0.1:9/v1"\n'
    )
    result = invoke("doctor", "--skip-sandbox", env=WIDE)
    assert result.exit_code == 0, result.output
    assert '[pricing."qwen3-coder"] input = ..., output = ...' in result.stdout
    assert "tokens, [budgets] max_tokens)" in result.stdout


def test_table_cells_show_titles_from_outside_as_written(
    invoke: Invoke, tmp_path: Path, db_url: str
) -> None:
    (tmp_path / "factory.toml").write_text('[repos.app]\npath = "."\ntest_command = "true"\n')
    title = '[repos."app"] [bold]breaks[/] :fire: the build'
    with Store.open(
        load_config(tmp_path / "factory.toml", environ={"FACTORY_DATABASE_URL": db_url})
    ) as store:
        store.runs.create(title, "app")
    result = invoke("runs", "list", env=WIDE)
    assert result.exit_code == 0, result.output
    assert title in result.stdout


def test_every_console_of_the_cli_comes_from_output() -> None:
    # A `Console(...)` made anywhere else would read markup again.
    makers = []
    for source in sorted(CLI_SOURCES.glob("*.py")):
        if source.name == "output.py":
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                called = node.func
                name = getattr(called, "id", None) or getattr(called, "attr", None)
                if name == "Console":
                    makers.append(f"{source.name}:{node.lineno}")
    assert makers == []


def help_texts(command: object, path: str = "factory") -> list[tuple[str, str]]:
    """Every help text, docstring and epilog of the command tree, with where it is shown."""
    texts = [
        (path, getattr(command, "help", None) or ""),
        (path, getattr(command, "epilog", None) or ""),
    ]
    texts += [
        (path, getattr(param, "help", None) or "") for param in getattr(command, "params", [])
    ]
    if isinstance(command, typer.core.TyperGroup):
        for name, child in command.commands.items():
            texts += help_texts(child, f"{path} {name}")
    return [(where, text) for where, text in texts if text]


def test_help_texts_survive_the_rich_markup_of_help() -> None:
    # `--help` renders through Typer's Rich mode, which reads markup and emoji codes:
    # "(default: [sandbox].image)" printed as "(default: .image)".
    texts = help_texts(typer.main.get_command(app))
    assert len(texts) > 100
    eaten = [(where, text) for where, text in texts if Text.from_markup(text).plain != text]
    assert eaten == []
