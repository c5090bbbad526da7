"""`factory doctor`: check this machine is ready, and say how to fix what is not."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from factory.cli.app import app
from factory.cli.global_options import options
from factory.cli.options import JsonFlag, OptionalRepo
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.support.wording import plural

console = make_console()


@app.command("doctor")
def doctor(
    as_json: JsonFlag = False,
    skip_sandbox: bool = typer.Option(
        False, "--skip-sandbox", help="Skip the Docker checks (engine, image, smoke test)."
    ),
    repo: OptionalRepo = None,
) -> None:
    """Check this machine and the configuration: every check `factory config check` makes (and every run makes before it starts), plus Python, the database's schema, the Docker engine and a hardening smoke test on a real container. Exit 1 if any fail.

    With --repo NAME, also run NAME's test_command once on its base commit, in a sandbox, as a run would, and say whether it can run."""  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    from factory.checks.doctor import doctor_json, run_checks

    checks = run_checks(options.config_path, sandbox=not skip_sandbox, repo=repo)
    failed = [check for check in checks if check.failed]
    if as_json:
        print_json(doctor_json(checks))
    else:
        table = Table(show_header=True, header_style="bold")
        table.add_column("check")
        table.add_column("")
        table.add_column("detail", overflow="fold")
        marks = {
            "ok": Text("ok", style="green"),
            "note": Text("note", style="cyan"),
            "warning": Text("warn", style="yellow"),
            "error": Text("FAIL", style="red"),
        }
        for check in checks:
            detail = Text(check.detail)
            if check.fix:
                detail.append("\nfix: ", style="yellow").append(check.fix)
            table.add_row(Text(check.key), marks[check.severity], detail)
        console.print(table)
        console.print(
            Text(f"{plural(len(failed), 'check')} failed", style="red")
            if failed
            else Text("all checks passed", style="green")
        )
    if failed:
        raise typer.Exit(1)
