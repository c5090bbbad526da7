"""Links that lead out of the repository are refused, and a new submodule needs a human.

A symlink is committed as its target. One that is absolute (`/home/ci/.ssh/id_rsa`), climbs
above the repository root (`../../etc`) or points into `.git` makes whoever checks the branch
out (a reviewer, CI with the repository's secrets) read or write outside the change. A
submodule (a gitlink) pulls in code the diff does not show. Always applied.
"""

import posixpath

from pydantic import BaseModel, ConfigDict

from policies.models import FileChange, GateContext, Outcome, Verdict

NAME = "links"
SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"


class LinksParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def escaping_target(change: FileChange) -> str | None:
    """The target of a symlink that leads out of the repository (or into `.git`), else None."""
    if change.mode != SYMLINK_MODE or not change.added_lines:
        return None
    target = change.added_lines[0]
    if target.startswith("/") or "\\" in target:
        return target
    where = posixpath.normpath(posixpath.join(posixpath.dirname(change.path), target))
    first = where.split("/", 1)[0]
    return target if first in ("..", ".git") else None


def evaluate(ctx: GateContext, params: LinksParams) -> Verdict:
    escaping = [
        f"{change.path} -> {target}"
        for change in ctx.diff.files
        if (target := escaping_target(change)) is not None
    ]
    if escaping:
        return Verdict(
            outcome=Outcome.REFUSE,
            reasons=[f"symlink(s) leading out of the repository: {', '.join(escaping)}"],
        )
    submodules = [change.path for change in ctx.diff.files if change.mode == GITLINK_MODE]
    if submodules:
        return Verdict(
            outcome=Outcome.NEEDS_HUMAN,
            reasons=[f"adds or moves submodule(s): {', '.join(submodules)}"],
        )
    return Verdict(outcome=Outcome.ALLOW, reasons=["no link leads out of the repository"])


PARAMS = LinksParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
