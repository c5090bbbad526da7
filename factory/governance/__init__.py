"""Governance: how much the factory may do alone, and the switch that stops it.

- `autonomy`: the effective autonomy level per repository, earned within its band.
- `track_record`: the factory's merged, reverted and rejected changes in a repository.
- `halts`: the kill switch, for all repositories or one.
"""
