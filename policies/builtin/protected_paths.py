"""Paths a factory change may not touch alone: globs that need a human, or are refused."""

from pydantic import BaseModel, ConfigDict, Field

from policies.globs import Glob, matching_paths
from policies.models import GateContext, Outcome, Verdict

NAME = "protected_paths"


class ProtectedPathsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    needs_human: list[Glob] = Field(default_factory=list)
    """Globs whose changes need a human. The repo's `protected_paths` are added here."""
    refuse: list[Glob] = Field(default_factory=list)
    """Globs the factory must never change."""


def evaluate(ctx: GateContext, params: ProtectedPathsParams) -> Verdict:
    paths = ctx.diff.touched_paths
    refused = matching_paths(paths, params.refuse)
    if refused:
        return Verdict(
            outcome=Outcome.REFUSE,
            reasons=[f"changes refused path(s): {', '.join(refused)}"],
        )
    guarded = matching_paths(paths, params.needs_human)
    if guarded:
        return Verdict(
            outcome=Outcome.NEEDS_HUMAN,
            reasons=[f"changes protected path(s): {', '.join(guarded)}"],
        )
    return Verdict(outcome=Outcome.ALLOW, reasons=["no protected path touched"])


PARAMS = ProtectedPathsParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
