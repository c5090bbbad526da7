"""PLACEHOLDER in branch issue-21-ci only: CORE owns the round driver (issue 21 contract).

The request and result types as the contract fixes them; `start_round` refuses until CORE's
module replaces this one at the lead's merge.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from factory.forges.base import Forge
from factory.forges.feedback import FeedbackItem
from factory.store import Store


class RoundRequest(BaseModel):
    kind: Literal["review", "ci", "conflict"]
    items: list[FeedbackItem]
    signature: str
    head_sha: str | None = None


class RoundResult(BaseModel):
    round: int
    outcome: str
    ending: str | None = None
    reason: str | None = None
    pushed_sha: str | None = None


class RoundsUnavailable(NotImplementedError):
    """CORE's round driver is not merged into this branch."""


def start_round(
    config: Any, store: Store, run_id: str, request: RoundRequest, *, forge: Forge
) -> RoundResult:
    raise RoundsUnavailable("the round driver (issue-21-core) is not merged into this branch")
