"""Health checks, one home for all of them, with one result type (`CheckFinding`).

- `findings`: `CheckFinding` (where, what was found, the fix; severity and kind) and
  `PreflightFailed`, what a run raises when the preflight found an error.
- `preflight`: everything a run needs, checked before it starts (`factory config check`,
  `run`, `resume`, the sweep).
- `repositories`: each repository, its policies and its base branch's governing files.
- `machine`: the data directory and the database.
- `models`: each role's model reachable (a key, a `base_url`, a cassette) and priced.
- `sandbox`: the Docker engine and image (the preflight), and the hardening smoke test.
- `doctor`: `factory doctor`, the preflight plus the machine's facts.
- `test_command`: `factory doctor --repo NAME`, the test command run once on the base commit.
"""
