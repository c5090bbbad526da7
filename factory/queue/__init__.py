"""Work on a queue: runs as procrastinate jobs on the store's own PostgreSQL.

- `app`: the procrastinate App bound to the store's database, its schema, its tasks.
- `tasks`: the run job (start or resume one ticket's run, stop at a node boundary when asked)
  and the periodic recovery of jobs whose worker died; the `[schedule]` sweep.
- `enqueue`: one job per ticket (a queueing lock on the ticket), with the run id chosen up front.
- `sweep_jobs`: `factory sweep --enqueue`: the sweep recorded, one run job per ticket; each
  job's side of it (budget, deadline, its ticket's end).
- `sweep_end`: finishing a sweep on workers once (the last job, or the recovery task).
- `jobs`: what is queued, running, done; cancelling a job.
- `worker`: `factory worker`, K jobs at once, graceful on SIGTERM.
- `webhooks`: GitHub deliveries (signature verified) that queue a run; a router for `serve`.
"""
