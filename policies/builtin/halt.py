"""The kill switch: while a repo (or the whole factory) is halted, nothing merges or ships.

Halted is needs_human, not refuse: a refused run ends for good, while a halted run must stay
resumable and continue after `factory unhalt`. Always applied; a repo cannot opt out.
"""

from pydantic import BaseModel, ConfigDict

from policies.models import GateContext, Outcome, Verdict

NAME = "halt"


class HaltParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def evaluate(ctx: GateContext, params: HaltParams) -> Verdict:
    if ctx.halted:
        return Verdict(
            outcome=Outcome.NEEDS_HUMAN,
            reasons=[f"halted: {ctx.halt_reason or 'no reason given'}; run `factory unhalt`"],
        )
    return Verdict(outcome=Outcome.ALLOW, reasons=["not halted"])


PARAMS = HaltParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
