"""`factory halt` / `factory unhalt`: the kill switch for the whole factory or one repository.

The andon cord is one short command: `factory halt` stops everything, `factory unhalt` lifts
that; `--repo NAME` narrows either to one repository.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail
from factory.cli.options import JsonFlag, OptionalRepo
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.config.errors import ConfigError
from factory.support.wording import plural

if TYPE_CHECKING:
    from factory.governance.halts import HaltResult

console = make_console()

ALL_OPTION = typer.Option(
    False, "--all", help="The whole factory (what no option means too; kept for scripts)."
)
BY_OPTION = typer.Option(
    None, "--by", help="Who is acting, for the audit log (default: your user name)."
)


def _scope(repo: str | None, everything: bool) -> str:
    from factory.governance.halts import ALL

    if repo is not None and everything:
        raise fail("choose one of --repo NAME or --all (the whole factory), not both")
    if repo is None:
        return ALL
    try:
        cli_config().repo(repo)  # a typo in a kill switch must not silently halt nothing
    except ConfigError as exc:
        raise fail(str(exc)) from exc
    return repo


def _render(result: HaltResult, verb: str, as_json: bool) -> None:
    from factory.governance.halts import ALL

    if as_json:
        print_json(
            {
                "scope": result.scope,
                "action": verb,
                "already": result.already,
                "halts": [
                    {"id": h.id, "reason": h.reason, "by": h.by, "lifted_by": h.lifted_by}
                    for h in result.halts
                ],
                "runs_notified": result.runs_notified,
            }
        )
        return
    target = "the whole factory" if result.scope == ALL else result.scope
    if result.already is not None:
        console.print(f"{result.already}; no second halt was added.")
        return
    if verb == "unhalt" and not result.halts:
        console.print(f"{target} was not halted; nothing to lift.")
        return
    count = len(result.runs_notified)
    noted = f"{plural(count, 'run')} in flight noted it in {'its' if count == 1 else 'their'}"
    console.print(Text.assemble((f"{verb}ed", "bold"), f" {target}; {noted} audit log."))


@app.command("halt")
def halt_command(
    reason: str = typer.Option(
        "", "--reason", help="Why work must stop (kept in the audit log; optional)."
    ),
    repo: OptionalRepo = None,
    everything: bool = ALL_OPTION,
    by: str | None = BY_OPTION,
    as_json: JsonFlag = False,
) -> None:
    """Stop work: no new runs start, running runs stop at the next step, nothing merges.

    With no option, halts the whole factory; --repo NAME halts one repository.
    `factory unhalt` lifts it.
    """
    from factory.governance.halts import halt

    scope = _scope(repo, everything)
    try:
        result = halt(cli_store(), scope, reason, by or getpass.getuser())
    except ValueError as exc:
        raise fail(str(exc)) from exc
    _render(result, "halt", as_json)


@app.command("unhalt")
def unhalt_command(
    repo: OptionalRepo = None,
    everything: bool = typer.Option(
        False, "--all", help="The factory-wide halt (what no option means too; kept for scripts)."
    ),
    by: str | None = BY_OPTION,
    as_json: JsonFlag = False,
) -> None:
    """Lift a halt; halted runs can then be resumed with `factory resume RUN`.

    With no option, lifts the factory-wide halt; --repo NAME lifts that
    repository's. A repository halted on its own stays halted, and is named
    with the command that lifts it.
    """
    from factory.governance.halts import active_halts, unhalt, unhalt_hint

    scope = _scope(repo, everything)
    store = cli_store()
    _render(unhalt(store, scope, by or getpass.getuser()), "unhalt", as_json)
    if not as_json:
        for still in active_halts(store):
            console.print(
                f"still halted: {still.scope} by {still.by} ({still.reason}); "
                f"`{unhalt_hint(still)}` lifts it",
                soft_wrap=True,  # a command to copy is never folded
            )
