"""`factory doctor`: check this machine is ready, and say how to fix what is not."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from factory.cli.app import app
from factory.cli.context import options, print_json
from factory.support.wording import plural

console = Console()


@app.command("doctor")
def doctor(
    as_json: bool = typer.Option(False, "--json", help="Print the checks as JSON for scripts."),
    skip_sandbox: bool = typer.Option(
        False, "--skip-sandbox", help="Skip the Docker checks (engine, image, smoke test)."
    ),
    repo: str | None = typer.Option(
        None,
        "--repo",
        metavar="NAME",
        help="Also run this configured repository's test command once on its base commit, "
        "in a sandbox, and say whether it can run.",
    ),
) -> None:
    """Check this machine and the configuration: every check `factory config check` makes (and
    every run makes before it starts), plus Python, the database's schema, the Docker engine and
    a hardening smoke test on a real container. Exit 1 if any fail.

    With --repo NAME, also try NAME's test_command on its base branch, as a run would."""
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
            "ok": "[green]ok[/]",
            "note": "[cyan]note[/]",
            "warning": "[yellow]warn[/]",
            "error": "[red]FAIL[/]",
        }
        for check in checks:
            detail = Text(check.detail)
            if check.fix:
                detail.append("\nfix: ", style="yellow").append(check.fix)
            table.add_row(Text(check.key), marks[check.severity], detail)
        console.print(table)
        console.print(
            f"[red]{plural(len(failed), 'check')} failed[/]"
            if failed
            else "[green]all checks passed[/]"
        )
    if failed:
        raise typer.Exit(1)
