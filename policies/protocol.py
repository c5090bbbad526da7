"""The seam every policy implements, built-in or a repository's own."""

from typing import Protocol

from policies.models import GateContext, Verdict


class Policy(Protocol):
    """Reads a gate context and returns a verdict. Must not do I/O or mutate the context."""

    @property
    def name(self) -> str: ...

    def evaluate(self, ctx: GateContext) -> Verdict: ...
