"""`factory config check|show`: validate factory.toml, print what the factory will actually use."""

from __future__ import annotations

import typer
from rich.syntax import Syntax
from rich.text import Text

from factory.cli.app import app
from factory.cli.context import BAD_INPUT, cli_config, fail
from factory.cli.errors import FAILED
from factory.cli.options import JsonFlag, OptionalRepo
from factory.cli.output import console as make_console
from factory.cli.output import print_json

config_app = typer.Typer(
    help="Validate and inspect factory.toml (from --config, FACTORY_CONFIG or ./factory.toml).",
    no_args_is_help=True,
)
app.add_typer(config_app, name="config")
console = make_console()


@config_app.command("check")
def check(
    repo: OptionalRepo = None,
    offline: bool = typer.Option(
        False,
        "--offline",
        help="Skip what needs the Docker engine or the network (sandbox image, GitHub).",
    ),
    as_json: JsonFlag = False,
) -> None:
    """Check everything a run needs before it starts: exit 0 if usable, else list each problem.

    Beyond the file itself: each repository's path, commits and base branch (detected when omitted), every glob and policy with its parameters, the database, the models' keys or cassettes, and the Docker engine with the sandbox image. Exit 2 when the configuration is wrong, 1 when only the machine is (Docker down, the database unreachable, the disk full).

    With --repo NAME, only that repository is checked. --json prints {"ok", "source", "repos", "findings"}.
    """  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    from factory.checks.findings import PreflightFailed
    from factory.checks.preflight import preflight

    config = cli_config()
    repos = {repo: config.repo(repo)} if repo is not None else None
    findings = preflight(config, repos=repos, offline=offline)
    if any(finding.failed for finding in findings):
        failed = PreflightFailed(findings)
        raise fail(
            str(failed),
            FAILED if failed.environment_only else BAD_INPUT,
            kind="environment" if failed.environment_only else "config",
            hint="fix the lines above, then run `factory config check` again",
        )
    checked = sorted(repos or config.repos)
    if as_json:
        print_json(
            {
                "ok": True,
                "source": config.source,
                "repos": checked,
                "findings": [finding.model_dump() for finding in findings],
            }
        )
        return
    for finding in findings:
        label = ("warning", "yellow") if finding.severity == "warning" else ("note", "cyan")
        console.print(Text.assemble(label, ": ", finding.line), soft_wrap=True)
    names = ", ".join(checked) or "no repositories"
    console.print(
        Text.assemble(("ok", "green"), f": {config.source} is valid ({names})"), soft_wrap=True
    )


@config_app.command("show")
def show(
    as_json: JsonFlag = False,
) -> None:
    """Print the resolved configuration (file + FACTORY_* overrides + defaults), secrets hidden.

    As TOML, or as JSON with --json.
    """
    config = cli_config()
    data = config.redacted()
    if as_json:
        print_json(data)
        return
    unset = {**UNSET, ("factory", "database_url"): f'"{config.database_url}" (SQLite in data_dir)'}
    console.print(Syntax(render_toml(data, unset), "toml", theme="ansi_dark", word_wrap=True))


UNSET: dict[tuple[str, ...], str] = {
    ("models", "*"): "[models.default] serves this role",
    ("schedule", "sweep"): "the workers run no scheduled sweep",
    ("schedule", "sweep_limit"): "a scheduled sweep takes every ticket it selects",
    ("repos", "*", "base_branch"): "detected when a run starts: the remote's HEAD, else the "
    "current branch (`factory config check` says which)",
    ("repos", "*", "github"): "a local repository (`path`), on the local forge",
    ("repos", "*", "path"): "a GitHub repository, read from its cached clone",
    ("repos", "*", "budget"): "[budgets] applies",
}
"""What a key that is not set means, shown as a comment (TOML has no null): every default is
on the screen, including the ones that are an absence."""


def render_toml(data: dict[str, object], unset: dict[tuple[str, ...], str] | None = None) -> str:
    """A readable TOML rendering of the resolved config; a key that is not set is a comment
    saying what its absence means (`unset`, by key path; `*` matches any one name)."""
    lines: list[str] = [f"# source: {data.get('source')}"]
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict) and k != "source"}
    for key, value in scalars.items():
        lines.append(f"{key} = {_toml_value(value)}")
    _render_tables(data, [], lines, unset or {})
    return "\n".join(lines) + "\n"


def _render_tables(
    data: dict[str, object],
    path: list[str],
    lines: list[str],
    unset: dict[tuple[str, ...], str],
) -> None:
    for key, value in data.items():
        if not isinstance(value, dict):
            continue
        here = [*path, key]
        plain = {k: v for k, v in value.items() if not isinstance(v, dict)}
        if plain or not value:
            lines.append("")
            lines.append("[" + ".".join(_toml_key(part) for part in here) + "]")
            for name, item in plain.items():
                if item is None:
                    meaning = _meaning(unset, (*here, name))
                    note = f": {meaning}" if meaning else ""
                    lines.append(f"# {_toml_key(name)}: not set{note}")
                else:
                    lines.append(f"{_toml_key(name)} = {_toml_value(item)}")
        _render_tables(value, here, lines, unset)


def _meaning(unset: dict[tuple[str, ...], str], path: tuple[str, ...]) -> str | None:
    for pattern, meaning in unset.items():
        fits = len(pattern) == len(path)
        if fits and all(p in ("*", q) for p, q in zip(pattern, path, strict=True)):
            return meaning
    return None


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
