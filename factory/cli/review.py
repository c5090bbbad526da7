"""`factory review`: the operational review of a period, as Markdown, HTML or JSON."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail


class ReviewFormat(StrEnum):
    MD = "md"
    HTML = "html"
    JSON = "json"


@app.command("review")
def review(
    since: str = typer.Option(
        "30d", "--since", help="Start of the period: 30d, 12h, 2w before --until, or a date."
    ),
    until: str | None = typer.Option(
        None, "--until", help="End of the period (a date or time, UTC); default now."
    ),
    repos: list[str] = typer.Option(
        [], "--repo", help="Only this repository (its name in factory.toml); repeatable."
    ),
    teams: list[str] = typer.Option(
        [],
        "--team",
        help="Only repositories this owner or domain has (catalog-info.yaml, CODEOWNERS).",
    ),
    output_format: ReviewFormat = typer.Option(
        ReviewFormat.MD, "--format", help="md for reading, html for sharing and print, json."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of stdout."),
    verify: bool = typer.Option(
        True, "--verify/--no-verify", help="Verify the audit chain as part of the review."
    ),
    schema: bool = typer.Option(
        False, "--schema", help="Print the JSON Schema of the review's JSON and exit."
    ),
) -> None:
    """How the factory is doing: DORA figures (factory vs human changes), the five pillars
    (delivery, reliability, initiatives, vigilance, efficiency), top risks with a suggested
    action each, and a scorecard per repository. Unknown figures say "unknown", never 0.

    Example: factory review --since 30d --format html --out review.html
    """
    if schema:
        from factory.review.schema import review_json_schema

        typer.echo(json.dumps(review_json_schema(), indent=2, ensure_ascii=False))
        return
    from factory.review.build import ReviewError, ReviewOptions, build_review
    from factory.review.period import PeriodError
    from factory.review.render import render_html, render_markdown

    config = cli_config()
    options = ReviewOptions(since=since, until=until, repos=repos, teams=teams, verify_audit=verify)
    try:
        with cli_store(config) as store:
            result = build_review(config, store, options)
    except (ReviewError, PeriodError) as error:
        failure = fail(str(error))
        if output_format is ReviewFormat.JSON:
            # `--format json` asks for JSON as `--json` does elsewhere: the same error object.
            from factory.cli.errors import report

            report(failure, as_json=True)
            raise typer.Exit(failure.exit_code) from None
        raise failure from None
    if output_format is ReviewFormat.JSON:
        text = result.model_dump_json(indent=2)
    elif output_format is ReviewFormat.HTML:
        text = render_html(result)
    else:
        text = render_markdown(result)
    if out is None:
        typer.echo(text)
        return
    try:
        out.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot write {out}: {error.strerror}") from None
    typer.echo(f"wrote {out}", err=True)
