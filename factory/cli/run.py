"""`factory run`, `resume`, `approve`, `reject`: drive a ticket through the graph."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from factory.cli.app import app
from factory.cli.context import cli_config, cli_store, fail
from factory.cli.live import LiveView, render_summary, summary_json
from factory.cli.options import JsonFlag, RepoOrCheckout, dollars
from factory.cli.output import print_json

if TYPE_CHECKING:
    from factory.run.runner import RunSummary
    from factory.run.setup import RunOptions

EXIT_HELP = (
    "Exit codes: 0 PR delivered, 3 a human must act, 4 budget exhausted, 5 no change to "
    "deliver (the branch ended equal to its base: nothing pushed, no PR), 2 bad input, 1 error."
)


def _finish(summary: RunSummary, as_json: bool) -> None:
    if as_json:
        print_json(summary_json(summary))
    else:
        render_summary(summary)
    raise typer.Exit(summary.exit_code)


@app.command(epilog=EXIT_HELP)
def run(
    ticket: str = typer.Argument(
        ..., help="A Markdown file, `-` for stdin, or a GitHub issue (owner/repo#123 or its URL)."
    ),
    repo: RepoOrCheckout = None,
    model: str | None = typer.Option(None, "--model", help="Use this model name for every agent."),
    # Ranges are the run's own (RunOptions), checked in `_run_options`: one definition.
    max_iterations: int | None = typer.Option(
        None,
        "--max-iterations",
        help="Code/test/review rounds before a human decides (1 to 20).",
    ),
    budget_usd: float | None = typer.Option(
        None,
        "--budget-usd",
        metavar="DOLLARS",
        parser=dollars,
        help="Stop the run when it has spent this many dollars (more than 0).",
    ),
    record: Path | None = typer.Option(
        None,
        "--record",
        help="Also write every model exchange to this cassette (secrets redacted).",
    ),
    replay: Path | None = typer.Option(
        None, "--replay", help="Answer from this cassette instead of a model provider."
    ),
    keep_worktree: bool = typer.Option(
        False, "--keep-worktree", help="Leave the run's git worktree on disk for debugging."
    ),
    force_new: bool = typer.Option(
        False,
        "--force-new",
        help="Start a second run even though the ticket already has an open run or factory "
        "pull request (nothing of the first is closed; the result says so).",
    ),
    enqueue: bool = typer.Option(
        False,
        "--enqueue",
        help="Put the run on the job queue for `factory worker` instead of running it here "
        "(PostgreSQL store). A ticket already queued or running keeps its one job.",
    ),
    as_json: JsonFlag = False,
) -> None:
    """Turn a ticket into a tested, reviewed pull request.

    The planner, coder, tester and reviewer work in a sandbox on a new branch; the gate decides, from the repository's policies, whether the change merges, waits for a person, or stays a pull request.

    --repo names a repository of factory.toml (by name, or by its GitHub owner/name) or a git checkout on disk; it may be left out when factory.toml has one repository.
    """  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    from factory.run.runner import start_run

    options = _run_options(
        repo=repo,
        model=model,
        max_iterations=max_iterations,
        budget_usd=budget_usd,
        record=record,
        replay=replay,
        keep_worktree=keep_worktree,
        force_new=force_new,
    )
    config = cli_config()
    if enqueue:
        from factory.cli.jobs import enqueue_command

        enqueue_command(config, ticket, options, as_json)
        return
    store = cli_store(config)
    with LiveView(enabled=not as_json) as view:
        summary = _guarded(
            lambda: start_run(config, store, ticket, options, view.observe, view.hooks())
        )
    _finish(summary, as_json)


@app.command(epilog=EXIT_HELP)
def resume(
    run_id: str = typer.Argument(..., help="The run id (see `factory runs list`)."),
    as_json: JsonFlag = False,
) -> None:
    """Continue a run that stopped, was killed, or was halted, from its last checkpoint.

    Refused while another live process drives the run (`runs list` shows it `running`);
    a run whose process died shows as `interrupted` and is taken over here.
    """
    from factory.run.runner import resume_run

    config = cli_config()
    store = cli_store(config)
    with LiveView(enabled=not as_json) as view:
        summary = _guarded(
            lambda: resume_run(config, store, run_id, observer=view.observe, hooks=view.hooks())
        )
    _finish(summary, as_json)


@app.command()
def approve(
    run_id: str = typer.Argument(..., help="A run waiting for approval."),
    comment: str | None = typer.Option(None, "--comment", help="Added to the pull request."),
    by: str = typer.Option(
        "", "--by", help="Who approves (defaults to $USER); recorded in the audit log."
    ),
    as_json: JsonFlag = False,
) -> None:
    """Approve a waiting run: its pull request is merged and the run finishes."""
    from factory.run.runner import answer_approval

    config = cli_config()
    store = cli_store(config)
    answer = {"action": "approve", "by": _who(by), "comment": comment}
    summary = _guarded(lambda: answer_approval(config, store, run_id, answer))
    _finish(summary, as_json)


@app.command()
def reject(
    run_id: str = typer.Argument(..., help="A run waiting for approval."),
    reason: str = typer.Option(..., "--reason", help="Why; added to the pull request and the log."),
    by: str = typer.Option("", "--by", help="Who rejects (defaults to $USER)."),
    as_json: JsonFlag = False,
) -> None:
    """Reject a waiting run: its pull request is closed unmerged and the run ends."""
    from factory.run.runner import answer_approval

    config = cli_config()
    store = cli_store(config)
    answer = {"action": "reject", "by": _who(by), "reason": reason}
    summary = _guarded(lambda: answer_approval(config, store, run_id, answer))
    _finish(summary, as_json)


def _run_options(**values: object) -> RunOptions:
    """The run's options, validated by the run's own model; a bad value names its option."""
    from pydantic import ValidationError

    from factory.run.setup import RunOptions

    try:
        options = RunOptions.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        flag = "--" + field.replace("_", "-")
        message = first["msg"].removeprefix("Input ").removeprefix("Value error, ")
        raise fail(f"{flag} {values.get(field)}: {message}", kind="usage") from exc
    if options.record is not None and options.replay is not None:
        # Recording writes what a model provider answered; a replay asks none, so the file
        # would silently stay empty.
        raise fail(
            "--record and --replay together: --record keeps a provider's answers and a replay "
            "asks no provider; give one of them",
            kind="usage",
        )
    if options.record is not None and options.record.is_dir():
        raise fail(f"--record {options.record} is a directory; name a .jsonl file to write")
    if options.record is not None and not options.record.parent.is_dir():
        raise fail(f"--record {options.record}: the folder {options.record.parent} does not exist")
    return options


def _who(by: str) -> str:
    import getpass

    return f"human:{by or getpass.getuser()}"


def _guarded(action: object) -> RunSummary:
    """Run `action`. Its failures are classified by the one handler (`factory.cli.errors`):
    bad input exits 2; a failing sandbox, git, forge or model exits 1."""
    from factory.run.runner import RunSummary

    assert callable(action)
    result = action()
    assert isinstance(result, RunSummary)
    return result
