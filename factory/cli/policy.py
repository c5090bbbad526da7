"""`factory policy check|replay`: evaluate mode for the autonomy gate."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table
from rich.text import Text

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail
from factory.cli.options import (
    JsonFlag,
    Labels,
    OptionalRepo,
    Repo,
    Since,
    either,
    hidden_alias,
)
from factory.cli.output import console as make_console
from factory.cli.output import print_json
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
console = make_console()

_COLOURS = {"allow": "green", "needs_human": "yellow", "refuse": "red"}


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
            verdict.policy,
            Text(verdict.outcome.value, style=colour),
            "\n".join(verdict.reasons),
        )
    console.print(table)
    draft = " (draft)" if decision.draft and decision.decision.value == "pull_request" else ""
    console.print(
        Text.assemble(
            "decision: ",
            (f"{decision.decision.value}{draft}", "bold"),
            f" at {decision.level}; ",
            f"risk {decision.risk.score} ({'low' if decision.risk.low else 'not low'})",
        ),
        soft_wrap=True,
    )
    for reason in decision.reasons:
        console.print(f"  - {reason}")
    if result.assessment is not None:
        console.print(f"level earned from the track record: {result.assessment.evidence[-1]}")


@policy_app.command("check")
def check_command(
    repo: Repo,
    patch_file: Path | None = typer.Option(
        None, "--patch", metavar="FILE", help="The change: a unified diff (git diff, diff -u)."
    ),
    tests: TestsFlag = typer.Option(
        TestsFlag.PASS, "--tests", help="Pretend the test suite passed or failed."
    ),
    review: ReviewFlag = typer.Option(
        ReviewFlag.APPROVE, "--review", help="Pretend the reviewer approved or asked for changes."
    ),
    level: AutonomyLevel | None = typer.Option(
        None, "--level", help="Judge at this level (default: the level the repo has earned)."
    ),
    labels: Labels = [],  # noqa: B006 - Typer reads the default; it is never mutated
    as_json: JsonFlag = False,
    old_diff: Path | None = hidden_alias("--diff"),
    old_labels: str | None = hidden_alias("--labels"),
) -> None:
    """Show every policy's verdict and the final decision for a patch, without running.

    The change is --patch FILE, a unified diff as `git diff` writes it. The ticket is judged as if it carried each --label given (repeat it, or separate labels with commas).

    Example: git diff main... > change.patch && factory policy check --repo web --patch change.patch --label bug
    """  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    from factory.gate.check import check_patch
    from factory.gate.diff import DiffParseError
    from factory.git import GitError

    diff = patch_file or old_diff
    if diff is None:
        raise fail("name the change to judge: --patch FILE (a unified diff)", kind="usage")
    try:
        patch = diff.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise fail(f"cannot read the patch file {diff}: {exc.strerror or exc}") from exc
    given = [*labels, *([old_labels] if old_labels else [])]
    ticket_labels = [part.strip() for label in given for part in label.split(",") if part.strip()]
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
            labels=ticket_labels,
        )
    except (ConfigError, DiffParseError, GitError, PolicyConfigError) as exc:
        raise fail(f"{exc}" if not isinstance(exc, DiffParseError) else f"{diff}: {exc}") from exc
    if as_json:
        print_json({"repo": repo, **decision_json(result.decision)})
    else:
        _render_check(result)


def _render_replay(report: ReplayReport, source: str) -> None:
    console.print(
        Text.assemble(
            f"replayed {plural(report.evaluated, 'recorded decision')} under {source}: ",
            (str(len(report.changes)), "bold"),
            f" would change, {report.unchanged} unchanged.",
        ),
        soft_wrap=True,
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
                Text(change.replayed.value, style="bold"),
                "\n".join(change.changed_verdicts),
            )
        console.print(table)
    for note in report.skipped:
        console.print(Text.assemble(("skipped", "yellow"), " ", note))


@policy_app.command("replay")
def replay_command(
    since: Since = "30d",
    repo: OptionalRepo = None,
    proposed_config: Path | None = typer.Option(
        None,
        "--proposed-config",
        metavar="FILE",
        help="A proposed factory.toml to judge past runs with (default: the current config).",
    ),
    as_json: JsonFlag = False,
    old_config: Path | None = hidden_alias("--config"),
) -> None:
    """List past runs whose gate decision would change under the current or a proposed config.

    Replays the gate decisions recorded since --since (default: the last 30 days), of --repo only when given.
    """  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    from factory.gate.replay import replay_decisions
    from factory.support.timespec import parse_moment

    start = parse_moment(since)
    proposed = either(proposed_config, old_config, None)
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
