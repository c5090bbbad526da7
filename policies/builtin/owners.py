"""Paths owned by people who want to see every change: needs_human and request their review."""

from pydantic import BaseModel, ConfigDict, Field

from policies.models import GateContext, Outcome, Verdict

NAME = "owners"


class OwnersParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    require_human_for: list[str] = Field(default_factory=list)
    """Owners (as written in CODEOWNERS or catalog-info.yaml, e.g. `@acme/security`)
    whose paths always need a human."""
    unowned: Outcome = Outcome.ALLOW
    """What a change touching a path with no owner at all gets."""


def evaluate(ctx: GateContext, params: OwnersParams) -> Verdict:
    wanted = {owner.lower() for owner in params.require_human_for}
    reviewers: dict[str, None] = {}
    gated: list[str] = []
    unowned: list[str] = []
    for path in ctx.diff.touched_paths:
        owners = ctx.owners.get(path, [])
        if not owners:
            unowned.append(path)
        hits = [o for o in owners if o.lower() in wanted]
        if hits:
            gated.append(path)
            reviewers.update(dict.fromkeys(hits))
    reasons = []
    outcome = Outcome.ALLOW
    if gated:
        outcome = Outcome.NEEDS_HUMAN
        reasons.append(f"owned by {', '.join(reviewers)}: {', '.join(gated)}")
    if unowned and params.unowned is not Outcome.ALLOW:
        outcome = max(outcome, params.unowned, key=lambda o: o.severity)
        reasons.append(f"no owner: {', '.join(unowned)}")
    if outcome is Outcome.ALLOW:
        reasons.append("no touched path needs its owners")
    return Verdict(outcome=outcome, reasons=reasons, request_reviews_from=list(reviewers))


PARAMS = OwnersParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
