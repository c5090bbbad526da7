"""`factory ticket add|list`: the backlog kept in the store, which `factory sweep` picks up."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail
from factory.cli.listing import nothing_to_list
from factory.cli.options import JsonFlag, OptionalRepo
from factory.cli.output import console as make_console
from factory.cli.output import print_json

ticket_app = typer.Typer(
    help="Put tickets in the sweep's backlog and list them.", no_args_is_help=True
)
app.add_typer(ticket_app, name="ticket")
console = make_console()


@ticket_app.command("add")
def add_ticket(
    source: str = typer.Argument(
        ..., metavar="FILE|-", help="A Markdown ticket (front matter optional), or - for stdin."
    ),
    repo: OptionalRepo = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a ticket to the backlog: the next `factory sweep` of its repository considers it.

    The ticket goes to --repo NAME, else to the repository its front matter names (`repo:`). Adding the same ticket again (same title, same repository) refreshes it: a ticket's identity is `<repo>:<title-slug>`, the same as for that ticket in a `backlog_dir`.
    """  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    from factory.config.errors import ConfigError
    from factory.sweep.backlog import add_to_backlog
    from factory.tickets.model import MAX_TICKET_CHARS, TicketError

    config = cli_config()
    if source == "-":
        text = sys.stdin.read(MAX_TICKET_CHARS + 1)
    else:
        path = Path(source)
        if not path.is_file():
            raise fail(f"ticket file {source} not found; pass a Markdown file or - for stdin")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise fail(f"cannot read {source}: {error}") from error
    with cli_store(config) as store:
        try:
            added = add_to_backlog(config, store, text, origin=source, repo=repo)
        except (TicketError, ConfigError) as error:
            raise fail(str(error)) from error
    record = {
        "identity": added.identity,
        "repo": added.repo,
        "title": added.ticket.title,
        "priority": added.ticket.priority,
        "labels": added.ticket.labels,
    }
    if as_json:
        print_json(record)
    else:
        console.print(f"added {added.identity} to the backlog of {added.repo}")


@ticket_app.command("list")
def list_tickets(
    repo: OptionalRepo = None,
    as_json: JsonFlag = False,
) -> None:
    """List the tickets added with `factory ticket add`, oldest first, with their latest run.

    With --repo NAME, only that repository's tickets.
    """
    with cli_store() as store:
        rows = store.tickets.backlog(repo=repo)
        records = []
        for row in rows:
            runs = store.runs.of_ticket(row.ref)
            records.append(
                {
                    "identity": row.ref,
                    "repo": row.repo,
                    "title": row.title,
                    "priority": row.priority,
                    "labels": json.loads(row.labels or "[]"),
                    "added_at": row.created_at,
                    "latest_run": runs[0].id if runs else None,
                    "latest_status": runs[0].status if runs else None,
                }
            )
    if as_json:
        print_json(records)
        return
    if not records:
        start = "`factory ticket add FILE` adds one"
        console.print(nothing_to_list("tickets", {"--repo": repo}, start), soft_wrap=True)
        return
    table = Table()
    for column in ("ticket", "repo", "priority", "title", "latest run"):
        table.add_column(column, no_wrap=column == "ticket")
    for record in records:
        latest = (
            f"{record['latest_run']} ({record['latest_status']})" if record["latest_run"] else ""
        )
        table.add_row(
            record["identity"], record["repo"], record["priority"] or "", record["title"], latest
        )
    console.print(table)
