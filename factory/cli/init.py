"""`factory init [PATH]`: add a commented `[repos."<name>"]` section for a repository."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from factory.cli.app import app
from factory.cli.context import fail
from factory.cli.global_options import options
from factory.cli.options import JsonFlag, OptionalRepo, either, hidden_alias
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.config import CONFIG_FILE_NAME

console = make_console()


@app.command("init")
def init(
    path: Path = typer.Argument(
        Path("."), help="The git repository to configure (default: the current directory)."
    ),
    repo: OptionalRepo = None,
    local: bool = typer.Option(
        False,
        "--local",
        help="Keep pull requests in the factory's local forge even when origin is on GitHub.",
    ),
    print_only: bool = typer.Option(
        False, "--print", help="Only print the section; write nothing."
    ),
    as_json: JsonFlag = False,
    old_name: str | None = hidden_alias("--name"),
) -> None:
    """Add a repository's section to factory.toml, its base branch and test command detected.

    Detects the base branch, test command and GitHub name, and writes the section to ./factory.toml (or the file `factory --config FILE` names). The section is named by --repo (default: the repository folder's name); other commands then take that name as --repo. An existing section of the same name is never overwritten.
    """  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    from factory.cli.init_repo import InitError, init_repo

    config_path = options.config_path or Path.cwd() / CONFIG_FILE_NAME
    name = either(repo, old_name, None)
    try:
        result = init_repo(path, config_path, name=name, local=local, write=not print_only)
    except InitError as error:
        raise fail(str(error)) from error
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    if print_only:
        typer.echo(result.section, nl=False)
        return
    found = result.detection
    tests = (
        Text(found.test_command)
        if found.test_command
        else Text("none detected, set test_command", style="yellow")
    )
    console.print(
        Text.assemble(
            "added ",
            (f'[repos."{found.name}"]', "bold"),
            f" to {config_path}: base branch {found.base_branch} ({found.base_branch_source}), "
            "tests: ",
            tests,
            f", GitHub {found.github}" if found.github else "",
        )
    )
    console.print(f"next: factory --config {config_path} config check")
