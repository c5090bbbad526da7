"""`factory eval`: measure the factory on the repository's own history.

`mine` turns past fixes into tasks, `export`/`import` move them as SWE-bench-style JSONL,
`run` works every task through the real graph on a throwaway clone and judges it with the
tests that came with the fix, `report`, `list` and `compare` read the results back.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail
from factory.cli.options import (
    MAX_LISTED,
    MAX_TOKENS,
    JsonFlag,
    OptionalRepo,
    OptionalSince,
    Output,
    Repo,
    dollars,
)
from factory.cli.output import console as make_console
from factory.cli.output import print_json

if TYPE_CHECKING:
    from factory.config import FactoryConfig
    from factory.eval.driver import EvalOptions, EvalSummary
    from factory.eval.mining import MiningReport

eval_app = typer.Typer(
    help=(
        "Measure the factory on this repository's own history: past fixes become tasks, the "
        "agents redo them on a throwaway clone, and the tests that came with each fix judge them."
    ),
    no_args_is_help=True,
)
app.add_typer(eval_app, name="eval")
console = make_console()


class ReportFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"


STOPPED_EXIT = 130


@eval_app.command("mine")
def mine_command(
    repo: Repo,
    since: OptionalSince = None,
    limit: int | None = typer.Option(
        None,
        "--limit",
        min=1,
        max=MAX_LISTED,
        help="Stop after this many candidates (newest first).",
    ),
    repeats: int = typer.Option(
        2,
        "--repeats",
        min=1,
        max=10,
        help="Test runs per state; a test whose outcome changes between them drops the task.",
    ),
    as_json: JsonFlag = False,
) -> None:
    """Find past fixes that came with tests and turn each into a validated task.

    A candidate is a commit of the base branch's first-parent history that changed both code and tests. Its tests run in the sandbox on the parent with only the new tests, then with the fix too: the tests that fail before and pass after are the task's FAIL_TO_PASS. Candidates without such a test, with a failing setup, or with a flaky test are dropped, and the reason is kept (`factory eval tasks --dropped`).
    """  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    from factory.eval.mining import mine_repo
    from factory.support.timespec import parse_moment

    config = cli_config()
    moment = parse_moment(since) if since else None
    with cli_store(config) as store:
        report = mine_repo(
            config,
            store,
            repo,
            since=moment,
            limit=limit,
            repeats=repeats,
            progress=(lambda _line: None) if as_json else _say,
        )
    if as_json:
        print_json(_mining_json(report))
        return
    console.print(
        f"{repo}: {len(report.tasks)} tasks, {len(report.dropped)} dropped, from "
        f"{len(report.candidates)} candidates in {report.commits_walked} commits "
        f"({report.seconds:.1f}s)",
        highlight=False,
    )
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)


def _mining_json(report: MiningReport) -> dict[str, object]:
    return {
        "repo": report.repo,
        "commits_walked": report.commits_walked,
        "tasks": [c.instance_id for c in report.candidates if c.task is not None],
        "dropped": [
            {"instance_id": c.instance_id, "commit": c.sha, "reason": c.dropped}
            for c in report.dropped
        ],
        "notes": report.notes,
        "seconds": report.seconds,
    }


@eval_app.command("tasks")
def tasks_command(
    repo: OptionalRepo = None,
    dropped: bool = typer.Option(
        False, "--dropped", help="List the candidates mining dropped, with the reason."
    ),
    as_json: JsonFlag = False,
) -> None:
    """List the stored tasks (or the dropped candidates and why they were dropped)."""
    import json

    config = cli_config()
    with cli_store(config) as store:
        rows = store.evals.tasks(repo, status="dropped" if dropped else "valid")
    items = [
        {
            "repo": row.repo,
            "instance_id": row.instance_id,
            "base_commit": row.base_commit,
            "evidence": row.evidence,
            "FAIL_TO_PASS": json.loads(row.fail_to_pass),
            "dropped": row.drop_reason,
        }
        for row in rows
    ]
    if as_json:
        print_json({"tasks": items})
        return
    if not items:
        console.print(
            "no dropped candidates" if dropped else "no tasks; `factory eval mine` finds some"
        )
    for item in items:
        detail = (
            item["dropped"]
            if dropped
            else f"{len(item['FAIL_TO_PASS'])} fail-to-pass, {item['evidence']}"
        )
        console.print(f"{item['repo']}  {item['instance_id']}  {detail}", highlight=False)


@eval_app.command("export")
def export_command(
    output: Output = None,
    repo: OptionalRepo = None,
    as_json: JsonFlag = False,
) -> None:
    """Write the stored tasks as JSONL with SWE-bench's field names (to stdout without -o).

    FAIL_TO_PASS and PASS_TO_PASS are written as JSON lists (SWE-bench's own files hold them as JSON text in a string; `factory eval import` reads both).
    """  # noqa: E501
    from factory.eval.driver import task_from_record
    from factory.eval.tasks import write_tasks

    config = cli_config()
    with cli_store(config) as store:
        tasks = [task_from_record(row) for row in store.evals.tasks(repo)]
    if not tasks:
        raise fail("no tasks to export; `factory eval mine --repo NAME` finds some")
    if output is None:
        for task in tasks:
            typer.echo(task.jsonl_line())
        return
    written = write_tasks(tasks, output)
    if as_json:
        print_json({"written": written, "file": str(output)})
    else:
        console.print(f"wrote {written} tasks to {output}", highlight=False)


@eval_app.command("import")
def import_command(
    tasks_file: Path = typer.Argument(..., help="A JSONL file of tasks, one JSON object a line."),
    repo: OptionalRepo = None,
    as_json: JsonFlag = False,
) -> None:
    """Store tasks from a JSONL file (ours, or SWE-bench's format) for `factory eval run`."""
    from factory.eval.driver import choose_repo, store_tasks
    from factory.eval.tasks import read_tasks

    config = cli_config()
    tasks = read_tasks(tasks_file)
    name = choose_repo(config, repo, tasks)
    with cli_store(config) as store:
        store_tasks(store, name, tasks)
    if as_json:
        print_json({"repo": name, "imported": len(tasks)})
    else:
        console.print(f"{name}: imported {len(tasks)} tasks", highlight=False)


@eval_app.command("run")
def run_command(
    repo: OptionalRepo = None,
    tasks_file: Path | None = typer.Option(
        None, "--tasks", help="Run the tasks of this JSONL file (they are stored first)."
    ),
    concurrency: int = typer.Option(1, "--concurrency", min=1, max=32, help="Attempts at once."),
    budget_usd: float | None = typer.Option(
        None,
        "--budget-usd",
        metavar="DOLLARS",
        parser=dollars,
        help="Start no attempt once spend plus the next attempt's per-run limit would pass it.",
    ),
    budget_tokens: int | None = typer.Option(
        None, "--budget-tokens", min=1, max=MAX_TOKENS, help="The same, in tokens."
    ),
    repeat: int = typer.Option(
        1, "--repeat", min=1, max=100, help="Attempts per task; figures then carry intervals."
    ),
    limit: int | None = typer.Option(
        None, "--limit", min=1, max=MAX_LISTED, help="Only the first N tasks."
    ),
    model: str | None = typer.Option(None, "--model", help="Override every role's model name."),
    resume: str | None = typer.Option(
        None, "--resume", help="Continue a stopped eval (its id) where it left off."
    ),
    enqueue: bool = typer.Option(
        False,
        "--enqueue",
        help="Queue one job per attempt for `factory worker`s (PostgreSQL store) and return.",
    ),
    as_json: JsonFlag = False,
) -> None:
    """Work every task through the real agents and gate on a throwaway clone, then judge it.

    Each attempt is an ordinary run marked as the eval's: it starts at the task's base commit without the hidden tests, is gated at L1, and pushes, opens, comments and merges nothing (what delivery would have done is recorded). Then the task's tests are applied and FAIL_TO_PASS + PASS_TO_PASS run in the sandbox: resolved only if all pass. Ctrl-C drains (running attempts stop at their next step); `--resume ID` continues. With `--enqueue` (PostgreSQL store) each attempt is a job for `factory worker`s, under the same budget.
    """  # noqa: E501
    from factory.eval.driver import EvalOptions, run_eval
    from factory.run.batch_budget import SweepBudget, require_enforceable
    from factory.support.stopping import StopSignal

    if resume is None and (repo is None) == (tasks_file is None) and tasks_file is None:
        raise fail("which tasks? pass --repo NAME, --tasks FILE, or --resume EVAL")
    from factory.run.setup import ROLES

    config = cli_config()
    names = [config.models.for_role(role).model for role in ROLES]
    require_enforceable(SweepBudget(usd=budget_usd, tokens=budget_tokens), names, config)
    options = EvalOptions(
        repo=repo,
        tasks_file=tasks_file,
        concurrency=concurrency,
        budget_usd=budget_usd,
        budget_tokens=budget_tokens,
        repeat=repeat,
        limit=limit,
        model=model,
        resume=resume,
    )
    if enqueue:
        _enqueue(config, options, as_json)
        return
    stop = StopSignal()
    with cli_store(config) as store, stop.installed(announce=_say):
        summary = run_eval(
            config, store, options, stop=stop, progress=(lambda _l: None) if as_json else _say
        )
    if as_json:
        print_json(summary.model_dump(mode="json"))
    else:
        _render_summary(summary)
    if summary.status == "stopped":
        raise typer.Exit(STOPPED_EXIT)


def _enqueue(config: FactoryConfig, options: EvalOptions, as_json: bool) -> None:
    from factory.queue.app import QueueUnavailableError
    from factory.queue.eval_jobs import enqueue_eval

    with cli_store(config) as store:
        try:
            queued = enqueue_eval(config, store, options)
        except QueueUnavailableError as error:
            raise fail(str(error), 1, kind="queue") from error
    if as_json:
        print_json(queued.model_dump(mode="json"))
        return
    console.print(
        f"eval {queued.eval_id} ({queued.repo}): {len(queued.jobs)} attempts queued"
        + (f", {queued.already} already queued" if queued.already else "")
        + f"; `factory eval report {queued.eval_id}` once the workers are done"
    )


def _render_summary(summary: EvalSummary) -> None:
    from factory.eval.report import money

    f = summary.figures
    console.print(
        f"eval {summary.eval_id} ({summary.repo}, configuration {summary.config_hash[:12]}): "
        f"{summary.status}",
        highlight=False,
    )
    if summary.stopped_reason:
        console.print(
            f"stopped: {summary.stopped_reason}; `factory eval run --resume "
            f"{summary.eval_id}` continues",
            highlight=False,
        )
    for label, text in (
        ("resolved", f.resolved.text()),
        ("false merge", f.false_merge.text()),
        ("reviewer precision", f.reviewer_precision.text()),
        ("reviewer recall", f.reviewer_recall.text()),
        ("cost per task", money(f.cost_per_task)),
        ("cost per resolved", money(f.cost_per_resolved)),
    ):
        console.print(f"  {label}: {text}", highlight=False)


@eval_app.command("list")
def list_command(
    repo: OptionalRepo = None,
    as_json: JsonFlag = False,
) -> None:
    """The evals recorded, newest first, with their configuration and resolve rate."""
    import json

    config = cli_config()
    with cli_store(config) as store:
        records = store.evals.latest(repo=repo)
    items: list[dict[str, Any]] = [
        {
            "id": r.id,
            "repo": r.repo,
            "config_hash": r.config_hash,
            "status": r.status,
            "started_at": r.started_at.isoformat(),
            "summary": json.loads(r.summary or "{}"),
        }
        for r in records
    ]
    if as_json:
        print_json({"evals": items})
        return
    if not items:
        console.print("no evals yet; `factory eval run --repo NAME` runs one")
    for item in items:
        resolved = item["summary"].get("resolved") or {}
        shown = (
            f"{resolved.get('hits')}/{resolved.get('total')} resolved" if resolved else "no figures"
        )
        console.print(
            f"{item['id']}  {item['repo']}  {str(item['config_hash'])[:12]}  {item['status']}  "
            f"{shown}",
            highlight=False,
        )


@eval_app.command("report")
def report_command(
    eval_id: str | None = typer.Argument(None, help="The eval (default: the latest)."),
    fmt: ReportFormat = typer.Option(ReportFormat.md, "--format", help="md, html or json."),
    output: Output = None,
    as_json: JsonFlag = False,
    schema: bool = typer.Option(
        False, "--schema", help="Print the JSON Schema of the report's JSON and exit."
    ),
) -> None:
    """The per-task table, resolve rate with its interval, costs, the gate's and the reviewer's safety figures, and (html) a chart."""  # noqa: E501
    from factory.eval.report import build_report, eval_json_schema, render

    if schema:
        print_json(eval_json_schema())
        return
    config = cli_config()
    with cli_store(config) as store:
        if eval_id is None:
            latest = store.evals.latest(limit=1)
            if not latest:
                raise fail("no evals yet; `factory eval run --repo NAME` runs one")
            eval_id = latest[0].id
        text = render(build_report(store, eval_id), "json" if as_json else fmt.value)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}", highlight=False)
    else:
        typer.echo(text, nl=False)


@eval_app.command("compare")
def compare_command(
    a: str = typer.Argument(..., help="An eval id (e-...) or a configuration hash (7+ chars)."),
    b: str = typer.Argument(..., help="The other one."),
    as_json: JsonFlag = False,
) -> None:
    """Two evals, or two configurations, side by side: each figure, B minus A, and the 95% interval of that difference (one that straddles 0 cannot tell them apart)."""  # noqa: E501
    from factory.eval.compare import compare

    config = cli_config()
    with cli_store(config) as store:
        result = compare(store, a, b)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    console.print(
        f"A = {a} ({len(result.a.evals)} evals), B = {b} ({len(result.b.evals)} evals)",
        highlight=False,
    )
    for d in result.differences:

        def pct(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.0%}"

        interval = "" if d.low is None else f" (95% CI {d.low:+.0%} to {d.high:+.0%})"
        delta = "n/a" if d.delta is None else f"{d.delta:+.0%}"
        console.print(
            f"  {d.figure}: A {pct(d.a)}, B {pct(d.b)}, B-A {delta}{interval}", highlight=False
        )


def _say(line: str) -> None:
    console.print(line, highlight=False)
