"""PLACEHOLDER in branch issue-21-base only: CORE's `maintain.py` replaces it at merge.

Holds just the contract's `PullContext` and `StepOutcome` so the base helper's steps
(`reconcile_pull`, `update_pull`) type-check and can be tested on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from factory.config import FactoryConfig, RepoConfig
from factory.forges.base import Forge, PullRequestInfo
from factory.run.state import RunState
from factory.store import Store


class StepOutcome(BaseModel):
    step: str
    action: str
    detail: str = ""
    stop: bool = False


@dataclass
class PullContext:
    config: FactoryConfig
    store: Store
    repo: str
    repo_config: RepoConfig
    forge: Forge
    pull: PullRequestInfo
    run: Any
    """The store's run row (`factory.store.models.Run`) that opened the pull request."""
    state: RunState | None
