"""The root Typer application; command groups attach themselves in their own modules."""

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from factory import __version__
from factory.cli.errors import exit_code_of
from factory.cli.global_options import set_global_options
from factory.support.logs import LogFormat


class FactoryGroup(TyperGroup):
    """The `factory` command group, with every failure routed through `factory.cli.errors`.

    Click's standalone mode prints usage errors its own way and lets other exceptions out as
    tracebacks; here the command line runs in non-standalone mode and the one handler decides
    what the user sees (one line, or JSON with `--json`) and the exit code.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        code = exit_code_of(
            lambda: super(FactoryGroup, self).main(
                argv, prog_name, complete_var, False, windows_expand_args, **extra
            ),
            argv,
        )
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    name="factory",
    cls=FactoryGroup,
    help="agent-factory: turn tickets into reviewed, tested pull requests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
    debug: bool = typer.Option(
        False,
        "--debug",
        help="On an unexpected error, also print the traceback (same as FACTORY_DEBUG=1).",
    ),
) -> None:
    """agent-factory: turn tickets into reviewed, tested pull requests."""
    set_global_options(config, log_format)
