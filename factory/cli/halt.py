"""`factory halt` / `factory unhalt`: the kill switch for one repository or the whole factory."""

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

if TYPE_CHECKING:
    from factory.governance.halts import HaltResult

console = make_console()

ALL_OPTION = typer.Option(False, "--all", help="Act on the whole factory (every repository).")
BY_OPTION = typer.Option(
    None, "--by", help="Who is acting, for the audit log (default: your user name)."
)


def _scope(repo: str | None, everything: bool) -> str:
    if bool(repo) == everything:
        raise fail("choose exactly one of --repo NAME or --all")
    if everything:
        from factory.governance.halts import ALL

        return ALL
    assert repo is not None
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
    console.print(
        Text.assemble(
            (f"{verb}ed", "bold"),
            f" {target}; {len(result.runs_notified)} run(s) in flight noted it in their audit log.",
        )
    )


@app.command("halt")
def halt_command(
    reason: str = typer.Option(..., "--reason", help="Why work must stop (kept in the audit log)."),
    repo: OptionalRepo = None,
    everything: bool = ALL_OPTION,
    by: str | None = BY_OPTION,
    as_json: JsonFlag = False,
) -> None:
    """Stop work: no new runs start, running runs stop at the next step, nothing merges.

    Halts one repository (--repo NAME) or the whole factory (--all).
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
        False, "--all", help="Lift the factory-wide halt (halts on single repos stay)."
    ),
    by: str | None = BY_OPTION,
    as_json: JsonFlag = False,
) -> None:
    """Lift a halt; halted runs can then be resumed with `factory resume RUN`.

    Lifts the halt of one repository (--repo NAME) or the factory-wide one (--all).
    """
    from factory.governance.halts import unhalt

    scope = _scope(repo, everything)
    _render(unhalt(cli_store(), scope, by or getpass.getuser()), "unhalt", as_json)
