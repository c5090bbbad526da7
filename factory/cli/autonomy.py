"""`factory autonomy show`: each repository's configured range, earned level, and evidence."""

import typer
from rich.text import Text

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail
from factory.cli.options import JsonFlag, OptionalRepo
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.config.errors import ConfigError

autonomy_app = typer.Typer(
    help="How much the factory may do alone in each repository, and why.", no_args_is_help=True
)
app.add_typer(autonomy_app, name="autonomy")
console = make_console()


@autonomy_app.command("show")
def show_command(
    repo: OptionalRepo = None,
    as_json: JsonFlag = False,
) -> None:
    """The configured range, the effective level earned from the track record, and evidence.

    For every configured repository, or only --repo NAME. Merges are split into clean ones
    and those after a person asked for changes, which count as the repository's
    earned_autonomy setting merge_after_changes says: hold, count or reset
    (docs/policies.md).
    """
    from factory.governance.autonomy import assess_repo

    config = cli_config()
    names = [repo] if repo else sorted(config.repos)
    store = cli_store(config)
    try:
        assessments = {name: assess_repo(config, store, name) for name in names}
    except (ConfigError, ValueError) as exc:
        raise fail(str(exc)) from exc
    halts = {name: store.halts.for_repo(name) for name in names}
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
            Text.assemble(
                (name, "bold"),
                f": range {a.range.min}..{a.range.max}, effective ",
                (str(a.level), "bold"),
                moved,
            )
        )
        halt = halts[name]
        if halt is not None:
            console.print(Text.assemble("  ", ("halted", "red"), f" by {halt.by}: {halt.reason}"))
        rule = config.repo(name).earned_autonomy
        clean = a.window_merges - a.window_merges_after_changes
        console.print(
            f"  merged in the last {rule.window_days}d: {clean} clean, "
            f"{a.window_merges_after_changes} after requested changes "
            f"(merge_after_changes = {rule.merge_after_changes})"
        )
        if a.config_hash is not None:
            holds = a.held_by_eval or "a passing eval under this configuration"
            console.print(f"  configuration {a.config_hash[:12]}; above L1 needs an eval: {holds}")
        for line in a.evidence:
            console.print(f"  - {line}")
