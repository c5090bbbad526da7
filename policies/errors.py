"""Errors raised by the policy engine for bad configuration (never for a bad change)."""


class PolicyConfigError(ValueError):
    """A policy listing or its parameters are wrong; the message says how to fix it."""
