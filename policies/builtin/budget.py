"""A run over its budget does not merge by itself: someone should look at what it cost."""

from pydantic import BaseModel, ConfigDict

from policies.models import GateContext, Outcome, Verdict

NAME = "budget"


class BudgetParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Outcome.NEEDS_HUMAN
    """What a run over budget gets."""
    unknown_cost: Outcome = Outcome.NEEDS_HUMAN
    """What a run gets when it has a dollar limit but its cost is unknown (a model without a
    price): the limit could not be enforced, so someone should look at what it used."""


def evaluate(ctx: GateContext, params: BudgetParams) -> Verdict:
    cost, limits = ctx.cost, ctx.budget
    over = []
    if limits.max_usd is not None and cost.usd is not None and cost.usd > limits.max_usd:
        over.append(f"spent ${cost.usd:.2f} of a ${limits.max_usd:.2f} budget")
    if limits.max_tokens is not None and cost.tokens > limits.max_tokens:
        over.append(f"used {cost.tokens} tokens of {limits.max_tokens}")
    if limits.max_wall_s is not None and cost.wall_s > limits.max_wall_s:
        over.append(f"ran {cost.wall_s:.0f}s of {limits.max_wall_s:.0f}s")
    if over:
        return Verdict(outcome=params.outcome, reasons=["over budget: no merge", *over])
    if cost.usd is None and limits.max_usd is not None:
        return Verdict(
            outcome=params.unknown_cost,
            reasons=[
                f"the ${limits.max_usd:.2f} limit could not be enforced: the cost is unknown "
                f"(a model without a price; {cost.tokens} tokens used)"
            ],
        )
    spent = "cost unknown" if cost.usd is None else f"${cost.usd:.2f}"
    return Verdict(outcome=Outcome.ALLOW, reasons=[f"within budget ({spent})"])


PARAMS = BudgetParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
