"""Governance: how much the factory may do alone, and the switch that stops it.

- `autonomy`: the effective autonomy level per repository, earned within its band.
- `track_record`: the factory's merged, reverted and rejected changes in a repository.
- `halts`: the kill switch, for all repositories or one (a scope is halted once).
- `limits`: `[limits]`, the spend limits of the factory and each repository: every model call
  recorded and judged, alerts, the halt by `limits`, and the check before a run starts.
- `liveness`: one live driver per run: `DriverLease` (the lease and its heartbeat) and the
  status a run truly has now (`running` only with a live driver, else `interrupted`).
- `claims`: one open run per ticket: claim keys, the ticket's open factory PR on the forge (and
  why a run is refused while it is open), and what `--force-new` did, in words.
"""
