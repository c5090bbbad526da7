"""PLACEHOLDER in branch issue-21-base only: CORE's `rounds.py` replaces it at merge.

The contract's names, so `factory/pulls/base_update.py` can ask for a conflict round.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from factory.config import FactoryConfig
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


class RoundLogEntry(BaseModel):
    number: int
    kind: str
    outcome: str
    head_sha: str | None
    summary: str
    cost_usd: float
    model_calls: int
    started_at: datetime
    finished_at: datetime | None


def start_round(
    config: FactoryConfig, store: Store, run_id: str, request: RoundRequest, *, forge: Forge
) -> RoundResult:
    raise NotImplementedError("CORE's round driver (factory/run/rounds.py) is not merged yet")
