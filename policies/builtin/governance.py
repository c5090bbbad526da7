"""Changes to what governs the factory always need a human, so an agent cannot raise its
own autonomy or loosen its own gates. Always applied; a repo can add paths, not remove any."""

from pydantic import BaseModel, ConfigDict, Field

from policies.globs import Glob, matching_paths
from policies.models import GateContext, Outcome, Verdict

NAME = "governance"

DEFAULT_GOVERNANCE_GLOBS = [
    "/factory.toml",
    "/.factory/",
    "CODEOWNERS",
    "catalog-info.yaml",
]


class GovernanceParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    extra_globs: list[Glob] = Field(default_factory=list)
    """More governance paths for this repo (e.g. `policies/**` for the factory itself)."""


def governance_globs(ctx: GateContext, params: GovernanceParams) -> list[str]:
    sources = ["/" + path.lstrip("/") for path in ctx.policy_sources]
    return [*DEFAULT_GOVERNANCE_GLOBS, *sources, *params.extra_globs]


def evaluate(ctx: GateContext, params: GovernanceParams) -> Verdict:
    touched = matching_paths(ctx.diff.touched_paths, governance_globs(ctx, params))
    if touched:
        return Verdict(
            outcome=Outcome.NEEDS_HUMAN,
            reasons=[f"changes factory governance file(s): {', '.join(touched)}"],
        )
    return Verdict(outcome=Outcome.ALLOW, reasons=["no governance file touched"])


PARAMS = GovernanceParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
