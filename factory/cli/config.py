"""`factory config check|show`: validate factory.toml, print what the factory will actually use."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.syntax import Syntax

from factory.cli.app import app
from factory.cli.context import BAD_INPUT, cli_config, options, print_json
from factory.config import load_config
from factory.config.errors import ConfigError

config_app = typer.Typer(
    help="Validate and inspect factory.toml (from --config, FACTORY_CONFIG or ./factory.toml).",
    no_args_is_help=True,
)
app.add_typer(config_app, name="config")
console = Console()


@config_app.command("check")
def check(
    as_json: bool = typer.Option(
        False, "--json", help='Print {"ok", "source", "repos", "problems"} as JSON for scripts.'
    ),
) -> None:
    """Validate the configuration: exit 0 if usable, else print each problem and exit 2."""
    if as_json:
        try:
            loaded = load_config(options.config_path)
        except ConfigError as exc:
            print_json({"ok": False, "problems": str(exc).splitlines()})
            raise typer.Exit(BAD_INPUT) from exc
        print_json({"ok": True, "source": loaded.source, "repos": sorted(loaded.repos)})
        return
    config = cli_config()
    repos = ", ".join(sorted(config.repos)) or "no repositories"
    console.print(
        f"[green]ok[/]: {config.source} is valid ({repos})", highlight=False, soft_wrap=True
    )


@config_app.command("show")
def show(
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts instead of TOML."),
) -> None:
    """Print the resolved configuration (file + FACTORY_* overrides + defaults), secrets hidden."""
    data = cli_config().redacted()
    if as_json:
        print_json(data)
        return
    console.print(Syntax(render_toml(data), "toml", theme="ansi_dark", word_wrap=True))


def render_toml(data: dict[str, object]) -> str:
    """A readable TOML rendering of the resolved config (None values are left out)."""
    lines: list[str] = [f"# source: {data.get('source')}"]
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict) and k != "source"}
    for key, value in scalars.items():
        lines.append(f"{key} = {_toml_value(value)}")
    _render_tables(data, [], lines)
    return "\n".join(lines) + "\n"


def _render_tables(data: dict[str, object], path: list[str], lines: list[str]) -> None:
    for key, value in data.items():
        if not isinstance(value, dict):
            continue
        here = [*path, key]
        plain = {k: v for k, v in value.items() if not isinstance(v, dict) and v is not None}
        if plain or not value:
            lines.append("")
            lines.append("[" + ".".join(_toml_key(part) for part in here) + "]")
            lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in plain.items())
        _render_tables(value, here, lines)


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else f'"{key}"'


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
