"""The root Typer application; command groups attach themselves in their own modules."""

import typer

from factory import __version__

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
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """agent-factory: turn tickets into reviewed, tested pull requests."""
