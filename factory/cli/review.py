"""`factory review`: the operational review of a period, as Markdown, HTML or JSON."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail
from factory.cli.options import (
    JsonFlag,
    OptionalUntil,
    Output,
    Repos,
    Since,
    either,
    hidden_alias,
)


class ReviewFormat(StrEnum):
    MD = "md"
    HTML = "html"
    JSON = "json"


@app.command("review")
def review(
    since: Since = "30d",
    until: OptionalUntil = None,
    repos: Repos = [],  # noqa: B006 - Typer reads the default; it is never mutated
    teams: list[str] = typer.Option(
        [],
        "--team",
        help="Only repositories this owner or domain has (catalog-info.yaml, CODEOWNERS).",
    ),
    output_format: ReviewFormat = typer.Option(
        ReviewFormat.MD,
        "--format",
        help="md for reading, html for sharing and print, json for scripts (as --json).",
    ),
    as_json: JsonFlag = False,
    output: Output = None,
    old_out: Path | None = hidden_alias("--out"),
    verify: bool = typer.Option(
        True, "--verify/--no-verify", help="Verify the audit chain as part of the review."
    ),
    schema: bool = typer.Option(
        False, "--schema", help="Print the JSON Schema of the review's JSON and exit."
    ),
) -> None:
    """How the factory is doing: DORA, the five pillars, risks and scorecards.

    DORA figures (factory vs human changes), the five pillars (delivery, reliability, initiatives, vigilance, efficiency), top risks with a suggested action each, and a scorecard per repository. Unknown figures say "unknown", never 0.

    The period is the 30 days before now unless --since and --until say otherwise; --repo (repeat it for several) and --team narrow the review to some repositories.

    Example: factory review --since 30d --format html --output review.html
    """  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    if schema:
        from factory.review.schema import review_json_schema

        typer.echo(json.dumps(review_json_schema(), indent=2, ensure_ascii=False))
        return
    from factory.review.build import ReviewError, ReviewOptions, build_review
    from factory.review.render import render_html, render_markdown
    from factory.support.timespec import TimeSpecError

    if as_json and output_format not in (ReviewFormat.MD, ReviewFormat.JSON):
        raise fail(f"--json and --format {output_format.value} ask for two formats; pass one")
    wants_json = as_json or output_format is ReviewFormat.JSON
    target = either(output, old_out, None)
    config = cli_config()
    options = ReviewOptions(since=since, until=until, repos=repos, teams=teams, verify_audit=verify)
    try:
        with cli_store(config) as store:
            result = build_review(config, store, options)
    except (ReviewError, TimeSpecError) as error:
        failure = fail(str(error))
        if wants_json and not as_json:
            # `--format json` asks for JSON as `--json` does: the same error object.
            from factory.cli.errors import report

            report(failure, as_json=True)
            raise typer.Exit(failure.exit_code) from None
        raise failure from None
    if wants_json:
        text = result.model_dump_json(indent=2)
    elif output_format is ReviewFormat.HTML:
        text = render_html(result)
    else:
        text = render_markdown(result)
    if target is None:
        typer.echo(text)
        return
    try:
        target.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot write {target}: {error.strerror}") from None
    typer.echo(f"wrote {target}", err=True)
