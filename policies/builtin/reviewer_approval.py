"""The reviewer agent must approve; requested changes need a human."""

from pydantic import BaseModel, ConfigDict

from policies.models import GateContext, Outcome, Verdict

NAME = "reviewer_approval"


class ReviewerApprovalParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Outcome.NEEDS_HUMAN
    """What a change without the reviewer's approval gets."""


def evaluate(ctx: GateContext, params: ReviewerApprovalParams) -> Verdict:
    review = ctx.review
    if review is None:
        return Verdict(outcome=params.outcome, reasons=["no review: the reviewer did not run"])
    if review.verdict == "approve":
        return Verdict(outcome=Outcome.ALLOW, reasons=["the reviewer approved"])
    findings = "; ".join(review.findings[:3]) or "no findings given"
    return Verdict(outcome=params.outcome, reasons=[f"the reviewer requested changes: {findings}"])


PARAMS = ReviewerApprovalParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
