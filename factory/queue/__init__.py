"""Work on a queue: runs as procrastinate jobs on the store's own PostgreSQL.

- `app`: the procrastinate App bound to the store's database, its schema, its tasks.
- `tasks`: the run job (start or resume one ticket's run, stop at a node boundary when asked)
  and the periodic recovery of jobs whose worker died.
- `enqueue`: one job per ticket (a queueing lock on the ticket), with the run id chosen up front.
- `jobs`: what is queued, running, done; cancelling a job.
- `worker`: `factory worker`, K jobs at once, graceful on SIGTERM.
- `webhooks`: GitHub deliveries (signature verified) that queue a run; a router for `serve`.
"""
