"""The gate: one change in, every policy's verdict and the decision at the run's level out.

- `judge`: `judge_change`, the one path for a run's gate (`factory.run.judging`) and
  `factory policy check`.
- `diff`: parsing a unified diff into the `DiffSummary` the policies read.
- `request`: `GateRequest`, the change and the run's facts the gate is asked to judge.
- `gate_context`: building the `GateContext` from the request, owners and the store's facts.
- `owners`: CODEOWNERS (GitHub's rules) and Backstage catalog owners, read from the base
  branch; reviewer names for the forge.
- `repo_policies`: the policies a repository runs (built-ins and its own), read from its base.
- `check`: `factory policy check`, a patch judged as a run would be.
- `replay`: the `gate.decision` event, and re-judging past decisions under another config.
"""
