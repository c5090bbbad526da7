"""The nightly backlog sweep: every ticket marked for agents, once, within a budget.

- `backlog`: the sources (GitHub issues by label, a repository's `backlog_dir`, the store's
  backlog from `factory ticket add`) and the `BacklogTicket` they yield.
- `facts`: what the world says about each ticket (open PRs on the forge, runs, leases, halts).
- `selection`: priority then age, and every skipped ticket with its reason; `--dry-run` is this.
- `budget`, `stopping`: moved down to `run/batch_budget.py` and `support/stopping.py` (the
  eval shares them); these names re-export them until every branch imports the new ones.
- `outcome`: the request, each ticket's outcome, the sweep's result (what reports render).
- `driver`: the sweep itself: a bounded pool of runs through the runner, its records and events.
- `report`: the morning report (Markdown and JSON), its files, posting it on a tracking issue.
- `recorded`: a sweep driven by workers told from its chain: budget, deadline, its result.

Its settings, `[sweep]`, are a model in `factory/config/sweep.py`.
"""
