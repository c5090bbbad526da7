"""`factory policy check|replay`: evaluate mode for the autonomy gate."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail, print_json
from factory.config import load_config
from factory.config.errors import ConfigError
from factory.support.wording import plural
from policies.config import AutonomyLevel
from policies.errors import PolicyConfigError

if TYPE_CHECKING:
    from factory.gate.judge import Judgement
    from factory.gate.replay import ReplayReport
    from policies.models import Decision

policy_app = typer.Typer(
    help="Evaluate the autonomy gate without running anything, or replay past decisions.",
    no_args_is_help=True,
)
app.add_typer(policy_app, name="policy")
console = Console()

_COLOURS = {"allow": "green", "needs_human": "yellow", "refuse": "red"}
_SINCE = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class TestsFlag(StrEnum):
    __test__ = False
    PASS = "pass"
    FAIL = "fail"


class ReviewFlag(StrEnum):
    APPROVE = "approve"
    CHANGES = "changes"


def decision_json(decision: Decision) -> dict[str, object]:
    return {
        "decision": decision.decision.value,
        "level": decision.level.value,
        "outcome": decision.outcome.value,
        "draft": decision.draft,
        "reasons": decision.reasons,
        "request_reviews_from": decision.request_reviews_from,
        "risk": decision.risk.model_dump(mode="json"),
        "verdicts": [
            {"policy": v.policy, "outcome": v.outcome.value, "reasons": v.reasons}
            for v in decision.verdicts
        ],
    }


def _render_check(result: Judgement) -> None:
    decision = result.decision
    table = Table(title=f"policies for {result.context.repo}", show_lines=False)
    table.add_column("policy")
    table.add_column("verdict")
    table.add_column("reasons")
    for verdict in decision.verdicts:
        colour = _COLOURS[verdict.outcome.value]
        table.add_row(
            verdict.policy, f"[{colour}]{verdict.outcome.value}[/]", "\n".join(verdict.reasons)
        )
    console.print(table)
    draft = " (draft)" if decision.draft and decision.decision.value == "pull_request" else ""
    console.print(
        f"decision: [bold]{decision.decision.value}{draft}[/] at {decision.level}; "
        f"risk {decision.risk.score} ({'low' if decision.risk.low else 'not low'})",
        soft_wrap=True,
        highlight=False,
    )
    for reason in decision.reasons:
        console.print(f"  - {reason}", highlight=False)
    if result.assessment is not None:
        console.print(f"level earned from the track record: {result.assessment.evidence[-1]}")


@policy_app.command("check")
def check_command(
    repo: str = typer.Option(..., "--repo", help="The repository (its name in factory.toml)."),
    diff: Path = typer.Option(..., "--diff", help="A unified diff (git diff / diff -u output)."),
    tests: TestsFlag = typer.Option(
        TestsFlag.PASS, "--tests", help="Pretend the test suite passed or failed."
    ),
    review: ReviewFlag = typer.Option(
        ReviewFlag.APPROVE, "--review", help="Pretend the reviewer approved or asked for changes."
    ),
    level: AutonomyLevel | None = typer.Option(
        None, "--level", help="Judge at this level (default: the level the repo has earned)."
    ),
    labels: str = typer.Option("", "--labels", help="Ticket labels, comma-separated (bug,docs)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for scripts."),
) -> None:
    """Show every policy's verdict and the final decision for a patch, without running."""
    from factory.gate.check import check_patch
    from factory.gate.diff import DiffParseError
    from factory.git import GitError

    try:
        patch = diff.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise fail(f"cannot read the patch file {diff}: {exc.strerror or exc}") from exc
    config = cli_config()
    try:
        result = check_patch(
            config,
            cli_store(config),
            repo,
            patch,
            tests=tests.value,  # type: ignore[arg-type]
            review=review.value,
            level=level,
            labels=[label.strip() for label in labels.split(",") if label.strip()],
        )
    except (ConfigError, DiffParseError, GitError, PolicyConfigError) as exc:
        raise fail(f"{exc}" if not isinstance(exc, DiffParseError) else f"{diff}: {exc}") from exc
    if as_json:
        print_json({"repo": repo, **decision_json(result.decision)})
    else:
        _render_check(result)


def parse_since(text: str, now: datetime) -> datetime:
    """`30d`, `12h`, `2w`, `90m`, or an ISO date/time."""
    match = _SINCE.match(text.strip())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(
            f"--since {text!r}: use a duration like 30d, 12h, 2w or a date like 2026-11-01"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _render_replay(report: ReplayReport, source: str) -> None:
    console.print(
        f"replayed {plural(report.evaluated, 'recorded decision')} under {source}: "
        f"[bold]{len(report.changes)}[/] would change, {report.unchanged} unchanged.",
        soft_wrap=True,
        highlight=False,
    )
    if report.changes:
        table = Table()
        for column in ("run", "repo", "gated at", "level", "recorded", "now", "verdicts changed"):
            table.add_column(column)
        for change in report.changes:
            table.add_row(
                change.run_id,
                change.repo,
                change.at,
                change.level.value,
                change.recorded.value,
                f"[bold]{change.replayed.value}[/]",
                "\n".join(change.changed_verdicts),
            )
        console.print(table)
    for note in report.skipped:
        console.print(f"[yellow]skipped[/] {note}", highlight=False)


@policy_app.command("replay")
def replay_command(
    since: str = typer.Option("30d", "--since", help="How far back: 30d, 12h, 2w or a date."),
    repo: str | None = typer.Option(None, "--repo", help="Only runs in this repository."),
    proposed: Path | None = typer.Option(
        None,
        "--config",
        help="A proposed factory.toml to judge past runs with (default: the current config).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for scripts."),
) -> None:
    """List past runs whose gate decision would change under the current or a proposed config."""
    from factory.gate.replay import replay_decisions

    try:
        start = parse_since(since, datetime.now(UTC))
    except ValueError as exc:
        raise fail(str(exc)) from exc
    current = cli_config()
    try:
        judging = load_config(proposed) if proposed is not None else current
    except ConfigError as exc:
        raise fail(f"proposed config: {exc}") from exc
    report = replay_decisions(judging, cli_store(current), since=start, repo=repo)
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        _render_replay(report, str(proposed) if proposed else "the current config")
