"""Large changes need a human: people review small diffs well and large ones badly."""

from pydantic import BaseModel, ConfigDict, Field

from policies.models import GateContext, Outcome, Verdict

NAME = "diff_size"


class DiffSizeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_lines: int = Field(default=400, gt=0)
    """Most changed lines (added + removed) allowed without a human."""
    max_files: int = Field(default=20, gt=0)
    """Most touched files allowed without a human."""
    outcome: Outcome = Outcome.NEEDS_HUMAN
    """What an oversized change gets."""


def evaluate(ctx: GateContext, params: DiffSizeParams) -> Verdict:
    lines = ctx.diff.lines_added + ctx.diff.lines_removed
    files = len(ctx.diff.files)
    problems = []
    if lines > params.max_lines:
        problems.append(f"{lines} changed lines exceed the limit of {params.max_lines}")
    if files > params.max_files:
        problems.append(f"{files} files exceed the limit of {params.max_files}")
    if problems:
        return Verdict(outcome=params.outcome, reasons=problems)
    noun = "file" if files == 1 else "files"
    return Verdict(outcome=Outcome.ALLOW, reasons=[f"{lines} lines in {files} {noun}"])


PARAMS = DiffSizeParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
