"""A run over its budget does not merge by itself: someone should look at what it cost."""

from pydantic import BaseModel, ConfigDict

from policies.models import GateContext, Outcome, Verdict

NAME = "budget"


class BudgetParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Outcome.NEEDS_HUMAN
    """What a run over budget gets."""


def evaluate(ctx: GateContext, params: BudgetParams) -> Verdict:
    cost, limits = ctx.cost, ctx.budget
    over = []
    if limits.max_usd is not None and cost.usd > limits.max_usd:
        over.append(f"spent ${cost.usd:.2f} of a ${limits.max_usd:.2f} budget")
    if limits.max_tokens is not None and cost.tokens > limits.max_tokens:
        over.append(f"used {cost.tokens} tokens of {limits.max_tokens}")
    if limits.max_wall_s is not None and cost.wall_s > limits.max_wall_s:
        over.append(f"ran {cost.wall_s:.0f}s of {limits.max_wall_s:.0f}s")
    if over:
        return Verdict(outcome=params.outcome, reasons=["over budget: no merge", *over])
    return Verdict(outcome=Outcome.ALLOW, reasons=[f"within budget (${cost.usd:.2f})"])


PARAMS = BudgetParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
