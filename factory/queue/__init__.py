"""Work on a queue: runs as procrastinate jobs on the store's own PostgreSQL.

- `task_names`: the names of the tasks and queues, which jobs are deferred and listed by.
- `app`: the procrastinate App bound to the store's database (reachable, its schema applied);
  no tasks on it: queueing, listing and cancelling go by task name.
- `tasks`: the run job (start or resume one ticket's run, stop at a node boundary when asked)
  and the periodic recovery of jobs whose worker died; the `[schedule]` sweep. Registered on
  an App only by a worker.
- `enqueue`: one job per ticket (a queueing lock on the ticket), with the run id chosen up front.
- `sweep_jobs`: `factory sweep --enqueue`: the sweep recorded, one run job per ticket.
- `sweep_ticket`: `QueuedSweepTicket`, a sweep's ticket as its run job handles it (budget,
  deadline, its ticket's end).
- `sweep_end`: finishing a sweep on workers once (the last job, or the recovery task).
- `jobs`: what is queued, running, done; cancelling a job.
- `worker`: `factory worker`, K jobs at once, graceful on SIGTERM; `worker_app`, the App with
  the tasks registered.
- `webhooks`: GitHub deliveries (signature verified) that queue a run; a router for `serve`.
"""
