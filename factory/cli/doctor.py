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

console = make_console()


@app.command("doctor")
def doctor(
    as_json: JsonFlag = False,
    skip_sandbox: bool = typer.Option(
        False, "--skip-sandbox", help="Skip the Docker checks (engine, image, smoke test)."
    ),
    repo: OptionalRepo = None,
) -> None:
    """Check Python, the configuration, the database and the Docker sandbox. Exit 1 if any fail.

    With --repo NAME, also run NAME's test_command once on its base commit, in a sandbox, as a run would, and say whether it can run."""  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    from factory.doctor import run_checks

    checks = run_checks(options.config_path, sandbox=not skip_sandbox, repo=repo)
    failed = [check for check in checks if not check.ok]
    if as_json:
        print_json({"ok": not failed, "checks": [check.model_dump() for check in checks]})
    else:
        table = Table(show_header=True, header_style="bold")
        table.add_column("check")
        table.add_column("")
        table.add_column("detail", overflow="fold")
        for check in checks:
            mark = Text("ok", style="green") if check.ok else Text("FAIL", style="red")
            if check.warning:
                mark = Text("warn", style="yellow")
            detail = Text(check.detail)
            if check.warning or not check.ok:
                detail.append("\nfix: ", style="yellow").append(check.hint)
            table.add_row(check.name, mark, detail)
        console.print(table)
        console.print(
            Text(f"{len(failed)} check(s) failed", style="red")
            if failed
            else Text("all checks passed", style="green")
        )
    if failed:
        raise typer.Exit(1)
