"""`factory demo`: run the whole product once on a bundled sample project."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from factory.cli.app import app
from factory.cli.context import fail
from factory.cli.live import LiveView, render_summary, summary_json
from factory.cli.options import JsonFlag
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.support.logs import configure_logging

SCRIPTED = (
    "This demo's model turns are a hand-written script played by the replay provider; "
    "git, the Docker sandbox, the tests, the store and the audit log are all real."
)


@app.command()
def demo(
    directory: Path | None = typer.Option(
        None, "--dir", help="An empty directory for the demo (default: a new temporary one)."
    ),
    tickets: int | None = typer.Option(
        None,
        "--tickets",
        min=1,
        help="Instead, sweep N bundled tickets (up to 6) with a mix of outcomes and print the "
        "morning report: merged, waiting for a human, refused by a gate, tests still red, "
        "run budget exhausted, no change needed.",
    ),
    as_json: JsonFlag = False,
) -> None:
    """Fix a real bug in a bundled sample library, end to end, and open a pull request.

    Copies the sample into a fresh git repository, runs planner, coder, tester and reviewer
    in the Docker sandbox, gates the change and opens a PR in the local forge. With
    `--tickets N`, runs a nightly sweep over a bundled backlog instead.
    """
    from factory.demo.run_demo import next_steps, run_demo

    console = make_console()
    configure_logging("json" if as_json else "console", "warning")
    if not as_json:
        console.print(Text(SCRIPTED, style="bold"))
        console.print()
    if tickets is not None:
        _sweep_demo(tickets, directory, as_json, console)
        return
    try:
        with LiveView(enabled=not as_json) as view:
            result = run_demo(directory, view.observe)
    except FileExistsError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        print_json(
            {
                **summary_json(result.summary),
                "directory": str(result.directory),
                "audit": result.audit.summary(),
                "scripted_model": True,
            }
        )
    else:
        render_summary(result.summary)
        console.print()
        console.print(Text.assemble(("audit verify", "bold"), f": {result.audit.summary()}"))
        console.print()
        on_path = shutil.which("factory")
        ours = on_path is not None and Path(on_path).resolve() == Path(sys.argv[0]).resolve()
        program = "factory" if ours else sys.argv[0]
        console.print(next_steps(result, program), soft_wrap=True)
        console.print(f"\n{SCRIPTED}")
    ok = result.audit.ok and result.summary.state.pr_number is not None
    raise typer.Exit(0 if ok else 1)


def _sweep_demo(tickets: int, directory: Path | None, as_json: bool, console: Console) -> None:
    from factory.cli.sweep_view import SweepView
    from factory.demo.sweep_demo import MAX_TICKETS, run_sweep_demo
    from factory.support.stopping import StopSignal
    from factory.sweep.report import build_report, to_markdown

    if tickets > MAX_TICKETS:
        raise fail(f"--tickets takes 1 to {MAX_TICKETS} (the bundled backlog)")
    stop = StopSignal()
    view = SweepView(enabled=not as_json)
    try:
        with stop.installed(announce=view.announce), view:
            root, result = run_sweep_demo(tickets, directory, observer=view, stop=stop)
    except FileExistsError as exc:
        raise fail(str(exc)) from exc
    report = build_report(result)
    if as_json:
        print_json(
            {**report.model_dump(mode="json"), "directory": str(root), "scripted_model": True}
        )
        return
    console.print(to_markdown(report), soft_wrap=True)
    console.print(
        f"The demo lives in {root}; `factory --config {root / 'factory.toml'} sweeps list` "
        "and `runs list` show its records.",
        soft_wrap=True,
    )
    console.print(f"\n{SCRIPTED}")
