"""The root Typer application; command groups attach themselves in their own modules."""

from pathlib import Path

import typer

from factory import __version__
from factory.cli.context import set_global_options
from factory.logs import LogFormat

app = typer.Typer(
    name="factory",
    help="agent-factory: turn tickets into reviewed, tested pull requests.",
    no_args_is_help=True,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"agent-factory {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
    config: Path | None = typer.Option(
        None,
        "--config",
        envvar="FACTORY_CONFIG",
        help="factory.toml to use (default: ./factory.toml, else built-in defaults).",
    ),
    log_format: LogFormat | None = typer.Option(
        None,
        "--log-format",
        help="Log lines as 'json' or 'console' (default: log_format in factory.toml, else 'auto').",
    ),
) -> None:
    """agent-factory: turn tickets into reviewed, tested pull requests."""
    set_global_options(config, log_format)
