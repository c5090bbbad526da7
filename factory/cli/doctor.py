"""`factory doctor`: check this machine is ready, and say how to fix what is not."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from factory.cli.app import app
from factory.cli.context import options, print_json

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
    """Check Python, the configuration, the database and the Docker sandbox. Exit 1 if any fail.

    With --repo NAME, also try NAME's test_command on its base branch, as a run would."""
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
            mark = "[green]ok[/]" if check.ok else "[red]FAIL[/]"
            detail = check.detail if check.ok else f"{check.detail}\n[yellow]fix:[/] {check.hint}"
            if check.warning:
                mark, detail = "[yellow]warn[/]", f"{check.detail}\n[yellow]fix:[/] {check.hint}"
            table.add_row(check.name, mark, detail)
        console.print(table)
        console.print(
            f"[red]{len(failed)} check(s) failed[/]" if failed else "[green]all checks passed[/]"
        )
    if failed:
        raise typer.Exit(1)
