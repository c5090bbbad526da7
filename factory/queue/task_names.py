"""The names of the factory's tasks and queues, as jobs in the database carry them.

Deferring a job, listing a sweep's jobs and registering the tasks on a worker all go by
these names, so the modules that queue work need not import the tasks that do it.
"""

RUN_TASK = "run_ticket"
RECOVER_TASK = "recover_stalled_jobs"
SWEEP_TASK = "scheduled_sweep"
RUNS_QUEUE = "runs"
MAINTENANCE_QUEUE = "maintenance"
