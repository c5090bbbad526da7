"""`factory runs list|show`: what the factory did, from the record store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail
from factory.cli.listing import nothing_to_list
from factory.cli.options import MAX_LISTED, JsonFlag, OptionalRepo
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.store.statuses import RunStatus
from factory.support.wording import plural

if TYPE_CHECKING:
    from factory.store import Event, Run

runs_app = typer.Typer(
    help="List runs and show one run with its audit events.", no_args_is_help=True
)
app.add_typer(runs_app, name="runs")
console = make_console()
RUN_STATUSES = tuple(status.value for status in RunStatus)
STATUS_HELP = "Only runs in this status: " + ", ".join(RUN_STATUSES) + "."


def run_record(run: Run) -> dict[str, Any]:
    from factory.governance.liveness import driver_of, observed_status

    return {
        "id": run.id,
        "ticket": run.ticket_ref,
        "repo": run.repo,
        "repo_path": run.repo_path,
        "branch": run.branch,
        "autonomy_level": run.autonomy_level,
        "status": observed_status(run).value,
        "driver": driver_of(run),
        "outcome": run.outcome,
        # Unknown (null) when some model call had no price: never the priced part alone.
        "cost_usd": run.cost_usd if run.cost_known else None,
        "unpriced_calls": run.unpriced_calls,
        "tokens_in": run.tokens_in,
        "tokens_out": run.tokens_out,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "events": run.event_count,
        "head_hash": run.head_hash,
        "config_hash": run.config_hash,
        # An eval's run worked on a throwaway clone and delivered nothing (docs/eval.md).
        "eval": run.eval_id,
    }


def _spend(run: Run, seen: RunStatus) -> str:
    """The cost column: a running run's spend so far moves with each model call."""
    spent = f"${run.cost_usd:.2f}" if run.cost_known else "unknown"
    return f"{spent} so far" if seen == RunStatus.RUNNING else spent


TICKET_FILE_SUFFIXES = (".md", ".markdown", ".txt")
FLEXIBLE = ("repo", "ticket")
"""The columns of `runs list` that give way (with an ellipsis) when the terminal is narrow."""


def _when(moment: datetime, this_year: int) -> str:
    """`12-06 02:36` this year, `2025-12-06` before: a listing's times, read at a glance."""
    return f"{moment:%m-%d %H:%M}" if moment.year == this_year else f"{moment:%Y-%m-%d}"


def ticket_name(ref: str) -> str:
    """How a listing names a ticket: a GitHub issue by its reference, a file by its name
    (never the temporary or absolute path it was read from), stdin as `stdin`."""
    from pathlib import PurePath

    if ref == "-":
        return "stdin"
    if "://" in ref:
        return ref
    path = PurePath(ref)
    if path.is_absolute() or path.suffix.lower() in TICKET_FILE_SUFFIXES:
        return path.name or ref
    return ref


def cost_label(run: Run) -> str:
    """Dollars when every model call was priced; otherwise says the cost is unknown."""
    if run.cost_known:
        return f"${run.cost_usd:.4f}"
    return f"unknown ({plural(run.unpriced_calls, 'call')} without a price)"


def event_record(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "ts": event.ts,
        "kind": event.kind,
        "actor": event.actor,
        "payload": json.loads(event.payload),
        "hash": event.hash,
    }


@runs_app.command("list")
def list_runs(
    status: str | None = typer.Option(None, "--status", help=STATUS_HELP),
    repo: OptionalRepo = None,
    limit: int = typer.Option(
        50, "--limit", min=1, max=MAX_LISTED, help="Show at most this many (newest first)."
    ),
    as_json: JsonFlag = False,
) -> None:
    """List runs, newest first. A run whose driving process is gone shows as `interrupted`.

    With --repo NAME, only the runs on that repository.
    """
    from factory.governance.liveness import list_observed_runs

    if status is not None and status not in RUN_STATUSES:
        raise fail(f"unknown status {status!r}; use one of: {', '.join(RUN_STATUSES)}")
    with cli_store() as store:
        observed = list_observed_runs(store, status=status, repo=repo, limit=limit)
    runs = [run for run, _status in observed]
    if as_json:
        print_json([run_record(run) for run in runs])
        return
    if not runs:
        filters = {"--status": status, "--repo": repo}
        start = "`factory run TICKET` starts one"
        console.print(nothing_to_list("runs", filters, start, known_repos=_repos()), soft_wrap=True)
        return
    # Fits 80 columns: no vertical rules; ids, statuses and times are never folded or cut
    # (they get copied into other commands), the repository and ticket give way instead.
    # Tokens and event counts are in `runs show` and `--json`.
    this_year = datetime.now(UTC).year
    rows = [
        (
            run.id,
            seen.value,
            run.repo,
            ticket_name(run.ticket_ref),
            _spend(run, seen),
            _when(run.created_at, this_year),
        )
        for run, seen in observed
    ]
    columns = ("run", "status", "repo", "ticket", "cost", "created (UTC)")
    widths = [max(len(column), *(len(row[i]) for row in rows)) for i, column in enumerate(columns)]
    fixed = sum(w for column, w in zip(columns, widths, strict=True) if column not in FLEXIBLE)
    room = max(console.width - fixed - 2 * (len(columns) - 1), 2 * len("ticket"))
    repo_room = min(widths[columns.index("repo")], max(len("repo"), room // 3))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    for column, width in zip(columns, widths, strict=True):
        if column in FLEXIBLE:
            share = repo_room if column == "repo" else room - repo_room
            table.add_column(column, no_wrap=True, overflow="ellipsis", max_width=share)
        else:
            table.add_column(column, no_wrap=True, min_width=width)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@runs_app.command("show")
def show_run(
    run_id: str = typer.Argument(..., metavar="RUN", help="The run id, as `runs list` prints it."),
    events: bool = typer.Option(False, "--events", help="Also list the run's audit events."),
    as_json: JsonFlag = False,
) -> None:
    """Show one run: ticket, status, cost, outcome, and optionally every event in order."""
    from factory.run.runner import waiting_for
    from factory.store import RunNotFoundError

    with cli_store() as store:
        try:
            run = store.runs.get(run_id)
        except RunNotFoundError as exc:
            raise fail(str(exc)) from exc
        trail = store.events.read(run_id) if events else []
        waits = waiting_for(store, run)
    if as_json:
        record = run_record(run)
        record["waiting_for"] = waits
        if events:
            record["event_log"] = [event_record(event) for event in trail]
        print_json(record)
        return
    for key, value in run_record(run).items():
        if key == "cost_usd":
            key, value = "cost", cost_label(run)
        if value is not None:
            console.print(Text.assemble((f"{key:>15}", "bold"), f"  {value}"), soft_wrap=True)
    if waits is not None:
        console.print(Text.assemble((f"{'waiting for':>15}", "bold"), f"  {waits}"), soft_wrap=True)
    if events:
        table = Table("seq", "time", "actor", "kind", "payload")
        for event in trail:
            table.add_row(str(event.seq), event.ts, event.actor, event.kind, _short(event.payload))
        console.print(table)


def _repos() -> list[str]:
    return list(cli_config().repos)


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
