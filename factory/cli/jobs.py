"""`factory jobs list|show|cancel`, and `factory run --enqueue`: the job queue by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.table import Table

from factory.cli.app import app
from factory.cli.context import cli_config, database_unreachable, fail
from factory.cli.listing import nothing_to_list
from factory.cli.options import MAX_RECORD_ID, JsonFlag
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.support.errors import error_text

if TYPE_CHECKING:
    from factory.config import FactoryConfig
    from factory.queue.jobs import JobView
    from factory.run.setup import RunOptions

T = TypeVar("T")

jobs_app = typer.Typer(
    help="The job queue the workers take runs from (PostgreSQL store; see `factory worker`).",
    no_args_is_help=True,
)
app.add_typer(jobs_app, name="jobs")
console = make_console()


def queue_call(action: Callable[[], T]) -> T:
    """`action()`; a queue that cannot be used, a bad ticket or job id exits with its reason."""
    from factory.config.errors import ConfigError
    from factory.queue.app import QueueUnavailableError
    from factory.queue.jobs import JobNotFoundError
    from factory.store.database import StoreUnavailableError
    from factory.tickets.model import TicketError

    try:
        return action()
    except StoreUnavailableError as exc:
        raise database_unreachable(exc) from exc
    except QueueUnavailableError as exc:
        raise fail(str(exc), code=1) from exc
    except (TicketError, ConfigError, JobNotFoundError, ValueError) as exc:
        raise fail(error_text(exc)) from exc


def enqueue_command(config: FactoryConfig, ticket: str, options: RunOptions, as_json: bool) -> None:
    from factory.queue.enqueue import enqueue_run

    queued = queue_call(lambda: enqueue_run(config, ticket, options))
    if as_json:
        print_json(queued.model_dump())
        return
    if queued.already:
        console.print(
            f"{queued.ticket} is already {'running' if queued.status == 'doing' else 'queued'} "
            f"as job {queued.job_id} (run {queued.run_id}); nothing added"
        )
    else:
        console.print(
            f"queued job {queued.job_id} for {queued.ticket} (run {queued.run_id}); "
            "`factory worker` runs it, `factory jobs show "
            f"{queued.job_id}` follows it"
        )


@jobs_app.command("list")
def list_command(
    status: str | None = typer.Option(
        None, "--status", help="Only jobs in this state: todo, doing, succeeded, failed, ..."
    ),
    queue: str | None = typer.Option(None, "--queue", help="Only jobs of this queue."),
    as_json: JsonFlag = False,
) -> None:
    """The jobs on the queue, newest first: which ticket, which run, in what state."""
    from factory.queue.jobs import list_jobs

    config = cli_config()
    jobs = queue_call(lambda: list_jobs(config, status=status, queue=queue))
    if as_json:
        print_json([job.model_dump(mode="json") for job in jobs])
        return
    if not jobs:
        start = "`factory run --enqueue TICKET` queues one"
        filters = {"--status": status, "--queue": queue}
        console.print(nothing_to_list("jobs", filters, start), soft_wrap=True)
        return
    table = Table("job", "status", "queue", "task", "attempts", "ticket", "run")
    for job in jobs:
        table.add_row(
            str(job.id),
            job.status,
            job.queue,
            job.task,
            str(job.attempts),
            job.ticket or "",
            job.run_id or "",
        )
    console.print(table)


def _render(job: JobView) -> None:
    console.print(
        f"job {job.id}: {job.status} ({job.task} on {job.queue}, attempts {job.attempts})\n"
        f"ticket {job.ticket or '-'}  run {job.run_id or '-'}"
        + (f"\n`factory runs show {job.run_id}` shows the run" if job.run_id else "")
    )


@jobs_app.command("show")
def show_command(
    job_id: int = typer.Argument(
        ..., metavar="ID", min=1, max=MAX_RECORD_ID, help="The job id (see `factory jobs list`)."
    ),
    as_json: JsonFlag = False,
) -> None:
    """One job: its state, attempts, ticket and run."""
    from factory.queue.jobs import show_job

    config = cli_config()
    job = queue_call(lambda: show_job(config, job_id))
    if as_json:
        print_json(job.model_dump(mode="json"))
    else:
        _render(job)


@jobs_app.command("cancel")
def cancel_command(
    job_id: int = typer.Argument(
        ..., metavar="ID", min=1, max=MAX_RECORD_ID, help="The job id (see `factory jobs list`)."
    ),
    as_json: JsonFlag = False,
) -> None:
    """Cancel a waiting job, or stop a running one at its next node boundary.

    A stopped run is `halted` with everything up to that node checkpointed;
    `factory resume RUN` continues it.
    """
    from factory.queue.jobs import cancel_job

    config = cli_config()
    job = queue_call(lambda: cancel_job(config, job_id))
    if as_json:
        print_json(job.model_dump(mode="json"))
    else:
        _render(job)
