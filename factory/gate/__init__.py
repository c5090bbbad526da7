"""The gate: one change in, every policy's verdict and the decision at the run's level out.

- `judge`: `judge_change`, the one path for a run's gate and `factory policy check`;
  `judge_run` for a run's state.
- `diff`: parsing a unified diff into the `DiffSummary` the policies read.
- `context`: building the `GateContext` from the diff, owners and the run's facts.
- `owners`: CODEOWNERS (GitHub's rules) and Backstage catalog owners, read from the base
  branch; reviewer names for the forge.
- `repo_policies`: the policies a repository runs (built-ins and its own) and its risk rule.
- `check`: `factory policy check`, a patch judged as a run would be.
- `replay`: the `gate.decision` event, and re-judging past decisions under another config.
"""
