"""A factory pull request's life after it opens: the maintenance pass and its steps.

- `maintain`: `PullContext`, `StepOutcome` and the pass over a repository's PRs (CORE).
- `reconcile`: the world changed under the run (PR merged or closed by a person, branch
  deleted, ticket closed or unlabelled): the run ends with a true status.
- `base_update`: a PR behind its base is rebased (or has the base merged in), tests and the
  gate run again; a real conflict asks the coder for a round.
"""
