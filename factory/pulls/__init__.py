"""The pull request's life after it opens: feedback, base updates, CI and reconciliation.

- `maintain`: the maintenance pass over a repository's open factory pull requests
  (`PULL_STEPS`, `maintain_pull`, `maintain_repo`), run by every sweep, `factory pr sync`
  and the GitHub webhook.
- `feedback`: reviews and comments become follow-up rounds (`feedback_step`).
- `guards`: who and what may start a round (write access, own and bot comments, dedupe, the
  round cap, the per-PR budget, repeated feedback).
"""
