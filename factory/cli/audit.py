"""`factory audit verify|digest|export`: prove the log untampered, pin its head, ship it out."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError
from rich.console import Console

from factory.cli.app import app
from factory.cli.context import cli_store, fail, print_json
from factory.support.wording import plural

if TYPE_CHECKING:
    from factory.store import Store
    from factory.store.audit import GlobalDigest

audit_app = typer.Typer(
    help="The hash-chained audit log: verify it, record its head, export it.",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")
console = Console()


@audit_app.command("verify")
def verify_command(
    run_id: str | None = typer.Option(None, "--run", help="Verify only this run's chain."),
    against: Path | None = typer.Option(
        None,
        "--against",
        help="A file saved from `factory audit digest --json`: prove the log still extends it.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Re-derive every hash. Exit 0 if the chain is intact, 1 naming the first break."""
    from factory.store.audit import verify

    saved = _read_digest(against) if against else None
    with cli_store() as store:
        if run_id is not None:
            _known_run(store, run_id)
        report = verify(store, run_id=run_id, against=saved)
    if as_json:
        print_json(report.model_dump() | {"summary": report.summary()})
    elif report.ok:
        console.print(f"[green]{report.summary()}[/]", highlight=False)
    else:
        console.print(f"[red]{report.summary()}[/]", highlight=False, soft_wrap=True)
        for extra in report.breaks[1:]:
            console.print(f"  also: {extra.describe()}", highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("digest")
def digest_command(
    as_json: bool = typer.Option(
        False, "--json", help="Print the digest as JSON (save it; `verify --against` reads it)."
    ),
) -> None:
    """Print the current global head (hash, counts, time) to keep somewhere else."""
    from factory.store.audit import current_digest

    with cli_store() as store:
        digest = current_digest(store)
    if as_json:
        print_json(digest.model_dump())
        return
    console.print(
        f"global head {digest.hash}\n"
        f"digest row {digest.seq}: {plural(digest.events, 'event')} in "
        f"{plural(digest.runs, 'run')}, at {digest.ts}\n"
        "save `factory audit digest --json` output elsewhere; "
        "`factory audit verify --against FILE` proves the log still extends it",
        highlight=False,
    )


@audit_app.command("export")
def export_command(
    run_id: str | None = typer.Option(None, "--run", help="Export only this run's events."),
    since: str | None = typer.Option(
        None, "--since", help="Only events at or after this time (ISO 8601, e.g. 2026-01-31T12:00)."
    ),
    export_format: str = typer.Option(
        "jsonl", "--format", help="Output format; jsonl (one JSON event per line) for SIEMs."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file instead of stdout."
    ),
) -> None:
    """Stream events, oldest first, with their hashes, for a SIEM or an archive."""
    from factory.store.audit import export_jsonl

    if export_format != "jsonl":
        raise fail(f"unknown format {export_format!r}; the only format is jsonl")
    start = _parse_since(since) if since else None
    with cli_store() as store:
        if run_id is not None:
            _known_run(store, run_id)
        if output is None:
            export_jsonl(store, sys.stdout, run_id=run_id, since=start)
            return
        with output.open("w", encoding="utf-8") as out:
            count = export_jsonl(store, out, run_id=run_id, since=start)
    Console(stderr=True).print(f"{plural(count, 'event')} written to {output}", highlight=False)


def _known_run(store: Store, run_id: str) -> None:
    """Exit 2 for an id the log has never seen (a deleted run still has events or digests)."""
    if store.find_run(run_id) is None and not store.events(run_id):
        raise fail(
            f"no run {run_id!r} in the audit log; `factory runs list` shows the runs there are",
            kind="not_found",
            hint="a run whose row was deleted still shows in `factory audit verify` without --run",
        )


def _parse_since(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise fail(
            f"--since {text!r} is not a date/time; use ISO 8601 like 2026-01-31T12:00"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _read_digest(path: Path) -> GlobalDigest:
    from factory.store.audit import GlobalDigest

    try:
        return GlobalDigest.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise fail(f"cannot read digest file {path}: {exc.strerror}") from exc
    except ValidationError as exc:
        raise fail(
            f"{path} is not a digest saved by `factory audit digest --json` "
            f"({plural(exc.error_count(), 'problem')}, first: {exc.errors()[0]['msg']})"
        ) from exc
