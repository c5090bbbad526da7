"""`factory sweep`, `factory sweeps list|show`: the nightly backlog sweep and its records."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail
from factory.cli.options import (
    MAX_LISTED,
    MAX_TOKENS,
    JsonFlag,
    OptionalLabel,
    Repos,
    dollars,
    duration,
)
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.support.wording import plural

if TYPE_CHECKING:
    from factory.cli.errors import CommandError
    from factory.config import FactoryConfig
    from factory.sweep.outcome import SweepRequest, SweepResult
    from factory.sweep.report import MorningReport, ReportNotPosted

sweeps_app = typer.Typer(help="List past sweeps and show one sweep's report.", no_args_is_help=True)
app.add_typer(sweeps_app, name="sweeps")
console = make_console()
STOPPED_EXIT = 130

SWEEP_EPILOG = (
    "Re-running is always safe: a ticket with an open PR, a run in progress or a finished run "
    "is skipped with its reason, an interrupted run is resumed, never started again. "
    "With --enqueue the sweep is recorded here and its tickets become run jobs for "
    "`factory worker`s: --repo, --label, --limit, --budget-usd, --budget-tokens, --max-wall, "
    "--replay-dir, --report-dir, --post-report and --json apply (the budget and the deadline "
    "are checked by each job before its ticket starts; the worker that ends the last job "
    "writes and posts the report); --concurrency (each worker's own) and --dry-run do not. "
    "Exit codes: 0 the sweep ran (see its report for each ticket), 2 bad input, "
    "130 stopped by Ctrl-C or SIGTERM (everything stays resumable)."
)


@app.command(epilog=SWEEP_EPILOG)
def sweep(
    repo: Repos = [],  # noqa: B006 - Typer reads the default; it is never mutated
    label: OptionalLabel = None,
    limit: int | None = typer.Option(
        None,
        "--limit",
        min=0,
        max=MAX_LISTED,
        help="Start at most N tickets (with --enqueue: queue at most N).",
    ),
    concurrency: int | None = typer.Option(
        None,
        "--concurrency",
        min=1,
        max=64,
        help="Tickets driven at once (default: `concurrency` of the sweep section, 2). Not with "
        "--enqueue: each worker's --concurrency decides.",
    ),
    budget_usd: float | None = typer.Option(
        None,
        "--budget-usd",
        metavar="DOLLARS",
        parser=dollars,
        help="Stop starting tickets once spend plus the next ticket's per-run limit would pass it "
        "(also with --enqueue).",
    ),
    budget_tokens: int | None = typer.Option(
        None,
        "--budget-tokens",
        min=1,
        max=MAX_TOKENS,
        help="The same, in tokens (needed for unpriced models; also with --enqueue).",
    ),
    max_wall: timedelta | None = typer.Option(
        None,
        "--max-wall",
        metavar="DURATION",
        parser=duration,
        help="Stop starting tickets after this long (8h, 90m, 1h30m, 2d); running ones stop at "
        "their next checkpoint, resumably (also with --enqueue, on the workers' clocks).",
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Only print which tickets would run and why the others would not (not with "
        "--enqueue).",
    ),
    replay_dir: Path | None = typer.Option(
        None,
        "--replay-dir",
        help="Answer each ticket from DIR/<ticket-key>.jsonl (else DIR/default.jsonl) instead "
        "of a model provider (demos, benchmarks, tests; with --enqueue, a path the workers read).",
    ),
    report_dir: Path | None = typer.Option(
        None,
        "--report-dir",
        help="Where the morning report goes as Markdown and JSON (default: <data_dir>/sweeps; "
        "with --enqueue, written by the worker that finishes the sweep).",
    ),
    post_report: str | None = typer.Option(
        None,
        "--post-report",
        metavar="OWNER/REPO#N",
        help="Also post the report as a comment on this GitHub tracking issue (with --enqueue, "
        "by the worker that finishes the sweep).",
    ),
    enqueue: bool = typer.Option(
        False,
        "--enqueue",
        help="Record the sweep and queue one run job per selected ticket for `factory worker`s "
        "instead of driving the tickets here (PostgreSQL store; a ticket already queued is not "
        "queued twice). The options that apply are listed below.",
    ),
    as_json: JsonFlag = False,
) -> None:
    """Sweep the backlog: every ticket marked for agents gets a run, once, within a budget.

    Tickets come from GitHub issues with the label (--label, else each repository's `backlog_label`, `agent-ready` by default), each repository's `backlog_dir` of Markdown tickets, and `factory ticket add`. They are taken by priority, then age; every ticket not started is listed with its reason. At the end a morning report says what merged, what waits for whom, what failed and what it cost.

    Every configured repository is swept unless --repo names some (repeat it for several).
    """  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    from factory.config.errors import ConfigError
    from factory.support.stopping import StopSignal
    from factory.sweep.driver import SweepError, run_sweep
    from factory.sweep.outcome import SweepRequest
    from factory.sweep.report import ReportPostError, build_report, parse_post_target
    from factory.tickets.model import TicketError

    config = cli_config()
    wall = max_wall.total_seconds() if max_wall is not None else None
    try:
        if post_report is not None and not dry_run:
            parse_post_target(post_report)
    except (ValueError, ReportPostError) as error:
        raise _fail(str(error), as_json) from error
    request = SweepRequest(
        repos=repo,
        label=label,
        limit=limit,
        concurrency=concurrency,
        budget_usd=budget_usd,
        budget_tokens=budget_tokens,
        max_wall_s=wall,
        dry_run=dry_run,
        replay_dir=replay_dir.resolve() if replay_dir else None,
    )
    if enqueue:
        _enqueue(config, request, as_json, report_dir, post_report)
        return
    from factory.cli.sweep_view import SweepView

    stop = StopSignal()
    with cli_store(config) as store:
        view = SweepView(enabled=not as_json and not dry_run)
        try:
            with stop.installed(announce=view.announce), view:
                result = run_sweep(config, store, request, observer=view, stop=stop)
        except (SweepError, ConfigError, TicketError) as error:
            raise _fail(str(error), as_json) from error
    report = build_report(result)
    files = _write_report(report, result, report_dir or config.factory.data_dir / "sweeps")
    posted, not_posted = _post(report, post_report) if post_report and not dry_run else (None, None)
    if as_json:
        extra = {"post_error": str(not_posted)} if not_posted else {}
        print_json({**report.model_dump(mode="json"), "files": files, "posted": posted, **extra})
    else:
        _render(report, files, posted)
    if not_posted is not None:
        # The sweep is done and its report is on disk and above; the exit says the post failed.
        if as_json:
            raise typer.Exit(not_posted.exit_code)
        raise not_posted
    if result.stopped and stop.requested:
        raise typer.Exit(STOPPED_EXIT)


def _enqueue(
    config: FactoryConfig,
    request: SweepRequest,
    as_json: bool,
    report_dir: Path | None,
    post_report: str | None,
) -> None:
    """`--enqueue`: the sweep recorded, its selection as run jobs; workers drive them."""
    from factory.config.errors import ConfigError
    from factory.queue.app import QueueUnavailableError
    from factory.queue.sweep_jobs import enqueue_sweep
    from factory.sweep.driver import SweepError
    from factory.tickets.model import TicketError

    with cli_store(config) as store:
        try:
            result = enqueue_sweep(
                config, store, request, report_dir=report_dir, post_report=post_report
            )
        except (SweepError, ConfigError, TicketError, QueueUnavailableError) as error:
            raise _fail(str(error), as_json) from error
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    for job in result.queued:
        if not job.already:
            console.print(f"job {job.job_id}: {job.ticket} -> run {job.run_id}")
    for skipped in result.skips:
        console.print(f"skipped: {skipped.identity}: {skipped.detail}")
    ours = sum(1 for job in result.queued if not job.already)
    follow = (
        "it is finished: `factory sweeps show {id}`"
        if result.finished
        else "workers drive them; `factory sweeps show {id}` gives the report once they are done"
    )
    console.print(
        f"sweep {result.sweep_id}: {plural(ours, 'job')} for "
        f"{plural(result.considered, 'ticket')} considered, "
        f"{len(result.skips)} skipped; " + follow.format(id=result.sweep_id)
    )


def _fail(message: str, as_json: bool = False) -> CommandError:
    """Bad input: one line, or JSON under `--json` (the CLI's one error handler prints it)."""
    del as_json  # the handler reads --json from the command line itself
    return fail(message)


def _write_report(report: MorningReport, result: SweepResult, directory: Path) -> dict[str, str]:
    from factory.sweep.report import write_report

    return {} if result.dry_run else write_report(report, directory)


def _post(report: MorningReport, target: str) -> tuple[str | None, ReportNotPosted | None]:
    """The comment's URL, or why the report could not be posted (the sweep is done either way)."""
    from factory.sweep.report import ReportNotPosted, post_report, to_markdown

    try:
        return post_report(target, to_markdown(report)), None
    except ReportNotPosted as error:
        return None, error


def _render(report: MorningReport, files: dict[str, str], posted: str | None) -> None:
    from factory.sweep.report import to_markdown

    out = make_console(soft_wrap=True)
    out.print(to_markdown(report))
    for kind, path in files.items():
        out.print(f"report ({kind}): {path}")
    if posted:
        out.print(f"posted: {posted}")


@sweeps_app.command("list")
def list_sweeps(
    limit: int = typer.Option(
        20, "--limit", min=1, max=MAX_LISTED, help="Show at most this many (newest first)."
    ),
    as_json: JsonFlag = False,
) -> None:
    """List sweeps, newest first, with their headline numbers."""
    with cli_store() as store:
        sweeps = store.sweeps.latest(limit=limit)
    records = [_sweep_record(item) for item in sweeps]
    if as_json:
        print_json(records)
        return
    if not records:
        console.print("no sweeps yet: `factory sweep --dry-run` shows what one would do")
        return
    table = Table()
    for column in ("sweep", "status", "started", "wall", "started/resumed", "merged", "cost"):
        table.add_column(column, no_wrap=column in ("sweep", "status"))
    for record in records:
        totals = record["report"]
        cost = totals.get("cost", {})
        table.add_row(
            record["id"],
            record["status"],
            str(record["started_at"])[:16],
            f"{totals.get('wall_s', 0):.0f}s",
            f"{totals.get('started', 0)}/{totals.get('resumed', 0)}",
            str(len(totals.get("merged", []))),
            f"${cost.get('total_usd', 0):.2f}" + ("" if cost.get("known", True) else "+"),
        )
    console.print(table)


@sweeps_app.command("show")
def show_sweep(
    sweep_id: str = typer.Argument(..., metavar="SWEEP", help="The sweep id (`sweeps list`)."),
    as_json: JsonFlag = False,
) -> None:
    """Show one sweep's morning report and the runs it drove."""
    from factory.sweep.report import MorningReport, to_markdown

    with cli_store() as store:
        found = store.sweeps.get(sweep_id)
        if found is None:
            raise _fail(f"no sweep {sweep_id!r}; `factory sweeps list` shows them", as_json)
        runs = [
            {"id": run.id, "ticket": run.ticket_id, "status": run.status, "cost_usd": run.cost_usd}
            for run in store.runs.of_sweep(sweep_id)
        ]
    record = _sweep_record(found)
    if as_json:
        print_json({**record, "runs": runs})
        return
    if not record["report"]:
        from factory.store.sweeps import WORKERS_OWNER

        driver = (
            "driven by the workers' run jobs"
            if found.owner == WORKERS_OWNER
            else f"process {found.owner}"
        )
        console.print(f"sweep {sweep_id} is {record['status']} ({driver}); its runs:")
        for run in runs:
            console.print(f"  {run['id']}  {run['status']}  {run['ticket']}")
        return
    report = MorningReport.model_validate(record["report"])
    make_console(soft_wrap=True).print(to_markdown(report))


def _sweep_record(item: Any) -> dict[str, Any]:
    from factory.store.sweeps import observed_sweep_status

    return {
        "id": item.id,
        "status": observed_sweep_status(item),
        "owner": item.owner,
        "started_at": item.started_at,
        "finished_at": item.finished_at,
        "params": json.loads(item.params or "{}"),
        "report": json.loads(item.totals or "{}"),
    }
