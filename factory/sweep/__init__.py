"""The nightly backlog sweep: every ticket marked for agents, once, within a budget.

- `backlog`: the sources (GitHub issues by label, a repository's `backlog_dir`, the store's
  backlog from `factory ticket add`) and the `BacklogTicket` they yield.
- `facts`: what the world says about each ticket (open PRs on the forge, runs, leases, halts).
- `selection`: priority then age, and every skipped ticket with its reason (pure).
- `backlog_selection`: the selection step: backlog read, facts gathered, `selection` applied;
  what `--dry-run`, the sweep and `--enqueue` all start from.
- `validation`: the request checked before anything is recorded (`SweepError`).
- `cassettes`: `--replay-dir`: each ticket's cassette and the model it is priced as.
- `budget`, `stopping`: moved down to `run/batch_budget.py` (when to stop *starting*
  tickets) and `support/stopping.py` (Ctrl-C drains, a second stops at once), which the eval
  shares; these names re-export them until every branch imports the new ones.
- `admission`: before each start: the stop signal, `--max-wall`, `--limit`, the budget over
  spent and reserved; the dry run's plan under the same rules.
- `execution`: the thread pool: K tickets at once through the runner, draining on a stop.
- `activity`: `SweepObserver`, what a live view hears.
- `run_outcomes`: a ticket's outcome told from its run; a race lost to another process as a skip.
- `recording`: the in-process sweep's row, `sweep.started`, each `sweep.skipped`, and its end.
- `outcome`: the request, each ticket's outcome, the sweep's result (what reports render).
- `driver`: `run_sweep`, the sweep from request to report, in order.
- `report`: the morning report (Markdown and JSON), its files, posting it on a tracking issue.
- `recorded`: a sweep driven by workers told from its chain: budget, deadline, its result.

Its settings, `[sweep]`, are a model in `factory/config/sweep.py`.
"""
