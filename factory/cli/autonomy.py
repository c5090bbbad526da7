"""`factory autonomy show`: each repository's configured range, earned level, and evidence."""

import typer
from rich.console import Console

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail, print_json
from factory.config.errors import ConfigError

autonomy_app = typer.Typer(
    help="How much the factory may do alone in each repository, and why.", no_args_is_help=True
)
app.add_typer(autonomy_app, name="autonomy")
console = Console()


@autonomy_app.command("show")
def show_command(
    repo: str | None = typer.Option(None, "--repo", help="Only this repository (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for scripts."),
) -> None:
    """The configured range, the effective level earned from the track record, and evidence."""
    from factory.governance.autonomy import assess_repo

    config = cli_config()
    names = [repo] if repo else sorted(config.repos)
    store = cli_store(config)
    try:
        assessments = {name: assess_repo(config, store, name) for name in names}
    except (ConfigError, ValueError) as exc:
        raise fail(str(exc)) from exc
    halts = {name: store.is_halted(name) for name in names}
    halt_reasons = {name: halt.reason if halt else None for name, halt in halts.items()}
    if as_json:
        print_json(
            {
                "repos": {
                    name: a.model_dump(mode="json", exclude={"changed_from"})
                    | {
                        "changed_from": a.changed_from.value if a.changed_from else None,
                        "halted": halt_reasons[name],
                    }
                    for name, a in assessments.items()
                }
            }
        )
        return
    if not assessments:
        console.print(f"no repositories configured in {config.source}")
    for name, a in assessments.items():
        moved = f" (was {a.changed_from})" if a.changed_from else ""
        console.print(
            f"[bold]{name}[/]: range {a.range.min}..{a.range.max}, "
            f"effective [bold]{a.level}[/]{moved}"
        )
        halt = halts[name]
        if halt is not None:
            console.print(f"  [red]halted[/] by {halt.by}: {halt.reason}", highlight=False)
        if a.config_hash is not None:
            holds = a.held_by_eval or "a passing eval under this configuration"
            console.print(
                f"  configuration {a.config_hash[:12]}; above L1 needs an eval: {holds}",
                highlight=False,
            )
        for line in a.evidence:
            console.print(f"  - {line}", highlight=False)
