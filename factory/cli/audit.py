"""`factory audit verify|digest|export`: prove the log untampered, pin its head, ship it out."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError
from rich.text import Text

from factory.cli.app import app
from factory.cli.context import cli_store, fail
from factory.cli.options import JsonFlag, OptionalSince, Output
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.support.wording import plural

if TYPE_CHECKING:
    from factory.store import Store
    from factory.store.audit import GlobalDigest

audit_app = typer.Typer(
    help="The hash-chained audit log: verify it, record its head, export it.",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")
console = make_console()


class ExportFormat(StrEnum):
    JSONL = "jsonl"


@audit_app.command("verify")
def verify_command(
    run_id: str | None = typer.Option(None, "--run", help="Verify only this run's chain."),
    against: Path | None = typer.Option(
        None,
        "--against",
        help="A file saved from `factory audit digest --json`: prove the log still extends it.",
    ),
    as_json: JsonFlag = False,
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
        console.print(Text(report.summary(), style="green"))
    else:
        console.print(Text(report.summary(), style="red"), soft_wrap=True)
        for extra in report.breaks[1:]:
            console.print(f"  also: {extra.describe()}", soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("digest")
def digest_command(as_json: JsonFlag = False) -> None:
    """Print the current global head (hash, counts, time) to keep somewhere else.

    Save `factory audit digest --json` elsewhere: `factory audit verify --against FILE` proves the log still extends it.
    """  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
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
        "`factory audit verify --against FILE` proves the log still extends it"
    )


@audit_app.command("export")
def export_command(
    run_id: str | None = typer.Option(None, "--run", help="Export only this run's events."),
    since: OptionalSince = None,
    export_format: ExportFormat = typer.Option(
        ExportFormat.JSONL, "--format", help="jsonl: one JSON event per line, for SIEMs."
    ),
    output: Output = None,
) -> None:
    """Stream events, oldest first, with their hashes, for a SIEM or an archive.

    With --since, only the events recorded at or after that time.
    """
    from factory.store.audit import export_jsonl
    from factory.support.timespec import parse_moment

    start = parse_moment(since) if since else None
    with cli_store() as store:
        if run_id is not None:
            _known_run(store, run_id)
        if output is None:
            export_jsonl(store, sys.stdout, run_id=run_id, since=start)
            return
        with output.open("w", encoding="utf-8") as out:
            count = export_jsonl(store, out, run_id=run_id, since=start)
    make_console(stderr=True).print(f"{plural(count, 'event')} written to {output}")


def _known_run(store: Store, run_id: str) -> None:
    """Exit 2 for an id the log has never seen (a deleted run still has events or digests)."""
    if store.runs.find(run_id) is None and not store.events.read(run_id):
        raise fail(
            f"no run {run_id!r} in the audit log; `factory runs list` shows the runs there are",
            kind="not_found",
            hint="a run whose row was deleted still shows in `factory audit verify` without --run",
        )


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
