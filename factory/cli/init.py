"""`factory init [PATH]`: add a commented `[repos."<name>"]` section for a repository."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from factory.cli.app import app
from factory.cli.context import fail, options, print_json
from factory.config import CONFIG_FILE_NAME

console = Console()


@app.command("init")
def init(
    path: Path = typer.Argument(
        Path("."), help="The git repository to configure (default: the current directory)."
    ),
    name: str | None = typer.Option(
        None, "--name", help="Section name for the repository (default: its folder's name)."
    ),
    local: bool = typer.Option(
        False,
        "--local",
        help="Keep pull requests in the factory's local forge even when origin is on GitHub.",
    ),
    print_only: bool = typer.Option(
        False, "--print", help="Only print the section; write nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print what was detected as JSON."),
) -> None:
    """Add a repository's section to factory.toml, its base branch and test command detected.

    Detects the base branch, test command and GitHub name, and writes the section to
    ./factory.toml (or the file `factory --config FILE` names). An existing section of the
    same name is never overwritten."""
    from factory.config.init_repo import InitError, init_repo

    config_path = options.config_path or Path.cwd() / CONFIG_FILE_NAME
    try:
        result = init_repo(path, config_path, name=name, local=local, write=not print_only)
    except InitError as error:
        raise fail(escape(str(error))) from error
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    if print_only:
        typer.echo(result.section, nl=False)
        return
    found = result.detection
    console.print(
        f'added [bold]\\[repos."{found.name}"][/] to {config_path}: base branch '
        f"{found.base_branch} ({found.base_branch_source}), tests: "
        f"{found.test_command or '[yellow]none detected, set test_command[/]'}"
        + (f", GitHub {found.github}" if found.github else ""),
        highlight=False,
    )
    console.print(f"next: factory --config {config_path} config check", highlight=False)
