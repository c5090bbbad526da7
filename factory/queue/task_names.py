"""The names of the factory's tasks and queues, as jobs in the database carry them.

Deferring a job, listing a sweep's jobs and registering the tasks on a worker all go by
these names, so the modules that queue work need not import the tasks that do it.
"""

RUN_TASK = "run_ticket"
RECOVER_TASK = "recover_stalled_jobs"
SWEEP_TASK = "scheduled_sweep"
EVAL_TASK = "eval_attempt"
"""One attempt of an eval (factory/queue/eval_jobs.py)."""
MAINTAIN_TASK = "maintain_pull"
"""One pull request's maintenance pass, queued by the webhook (factory/queue/pull_jobs.py)."""
RUNS_QUEUE = "runs"
MAINTENANCE_QUEUE = "maintenance"
