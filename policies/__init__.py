"""Autonomy policies: pure functions from a gate context to a decision. No I/O here."""
