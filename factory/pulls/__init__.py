"""The pull request's life after it opens: feedback, base updates, CI and reconciliation.

- `maintain`: the maintenance pass over a repository's open factory pull requests
  (`PULL_STEPS`, `maintain_pull`, `maintain_repo`), run by every sweep, `factory pr sync`
  and the GitHub webhook.
- `reconcile`: the world changed under the run (PR merged or closed by a person, branch
  deleted, ticket closed or unlabelled): the run ends with a true status (`reconcile_pull`).
- `base_update`: a PR behind its base is rebased (or has the base merged in), then tests and
  the gate run again with no agent; a real conflict asks the coder for a round (`update_pull`).
- `feedback`: reviews and comments become follow-up rounds (`feedback_step`).
- `guards`: who and what may start a round (write access, own and bot comments, dedupe, the
  round cap, the per-PR budget, repeated feedback).
- `ci`: the forge's CI on the head (`check_pull`): read the checks, rerun flaky ones with no
  agent, say infrastructure failures, start a capped fix round for a deterministic failure,
  merge a run that waits for green checks.
- `ci_classify`: what a failed check is (infrastructure, flaky, deterministic), its log
  excerpt and its failure signature; pure functions.
"""
