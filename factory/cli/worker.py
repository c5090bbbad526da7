"""`factory worker`: run queued jobs on this machine (and its Docker engine) until stopped."""

from __future__ import annotations

import typer

from factory.cli.app import app
from factory.cli.context import cli_config
from factory.cli.jobs import queue_call


@app.command()
def worker(
    concurrency: int = typer.Option(
        1, "--concurrency", "-c", min=1, max=64, help="Runs this worker drives at once."
    ),
    queue: list[str] = typer.Option(
        None,
        "--queue",
        "-q",
        help="Take jobs only from this queue (repeatable). Default: runs and maintenance.",
    ),
    name: str | None = typer.Option(None, "--name", help="A name for this worker in the logs."),
) -> None:
    """Take runs off the job queue and drive them, K at a time, until SIGTERM or Ctrl-C.

    Needs a PostgreSQL store (database_url, or FACTORY_DATABASE_URL). Queue work with
    `factory run --enqueue`.
    Sandboxes start on this worker's Docker engine; set DOCKER_HOST to use a remote one.
    On SIGTERM each running run finishes its current node and goes back to the queue.
    """
    from factory.queue.worker import DEFAULT_QUEUES, run_worker

    config = cli_config()
    queue_call(lambda: run_worker(config, concurrency, queue or DEFAULT_QUEUES, name))
