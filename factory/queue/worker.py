"""`factory worker`: take run jobs off the queue, K at a time, until stopped.

Each job runs in a thread of this process with its own sandbox on this worker's Docker engine
(`DOCKER_HOST` chooses a remote one). Heartbeats go to the database so a worker that dies is
noticed (`[queue] stalled_after_seconds`), and the periodic recovery task, run by whichever
worker is up, puts its jobs back on the queue.

SIGTERM or Ctrl-C: no new job is taken; each running run finishes the node it is in (so it is
checkpointed) and stops at the next node boundary; its job goes back to the queue for another
worker to resume. A second signal stops at once (the run then resumes from its checkpoint
after the job is found stalled).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from factory.config import FactoryConfig
from factory.queue.app import build_app, ensure_schema, require_reachable
from factory.queue.task_names import MAINTENANCE_QUEUE, RUNS_QUEUE
from factory.queue.tasks import register_tasks
from factory.store.database import libpq_dsn

if TYPE_CHECKING:
    import procrastinate

DEFAULT_QUEUES = (RUNS_QUEUE, MAINTENANCE_QUEUE)


def worker_app(config: FactoryConfig) -> procrastinate.App:
    """The App with the factory's tasks on it: the run job, the recovery of stalled jobs, and
    the `[schedule]` sweep, each closing over this worker's configuration."""
    app = build_app(config)
    register_tasks(app, config)
    return app


def run_worker(
    config: FactoryConfig,
    concurrency: int = 1,
    queues: Sequence[str] = DEFAULT_QUEUES,
    name: str | None = None,
) -> None:
    """Work until SIGTERM/SIGINT; returns once running jobs have stopped."""
    app = worker_app(config)
    require_reachable(config.database_url)
    stalled_after = config.queue.stalled_after_seconds
    with app.open():
        ensure_schema(app, libpq_dsn(config.database_url))
    app.run_worker(
        queues=list(queues),
        concurrency=concurrency,
        **({"name": name} if name else {}),
        # Running jobs are asked to stop at once; they stop at their next node boundary.
        shutdown_graceful_timeout=0,
        update_heartbeat_interval=max(stalled_after / 3, 0.5),
        stalled_worker_timeout=stalled_after,
        listen_notify=True,
    )
