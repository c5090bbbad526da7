"""PLACEHOLDER in branch issue-21-ci only: CORE owns the maintenance pass (issue 21 contract).

The context, the step outcome and `maintain_pull` as the contract fixes them, running only
the steps this branch has (the CI step), so the CI step can be driven end to end here. The
lead's merge replaces this file with CORE's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from factory.config import FactoryConfig, RepoConfig
from factory.forges.base import Forge, PullRequestInfo
from factory.pulls.ci import check_pull
from factory.run.pr_sync import awaiting_runs
from factory.store import Store
from factory.store.models import Run


@dataclass
class PullContext:
    config: FactoryConfig
    store: Store
    repo: str
    repo_config: RepoConfig
    forge: Forge
    pull: PullRequestInfo
    run: Run | None
    state: Any = None

    def governing(self) -> RepoConfig:
        return self.repo_config


class StepOutcome(BaseModel):
    step: str
    action: str
    detail: str = ""
    stop: bool = False


class PullMaintenance(BaseModel):
    repo: str
    number: int
    run_id: str | None
    actions: list[StepOutcome] = Field(default_factory=list)


def _steps() -> list[Callable[[PullContext], StepOutcome | None]]:
    return [check_pull]


def maintain_pull(
    config: FactoryConfig, store: Store, repo: str, number: int, *, forge: Forge
) -> PullMaintenance:
    run_id = next((run for run, n in awaiting_runs(store, repo) if n == number), None)
    ctx = PullContext(
        config=config,
        store=store,
        repo=repo,
        repo_config=config.repo(repo),
        forge=forge,
        pull=forge.get_pull_request(number),
        run=store.runs.get(run_id) if run_id else None,
    )
    done = PullMaintenance(repo=repo, number=number, run_id=run_id)
    for step in _steps():
        outcome = step(ctx)
        if outcome is not None:
            done.actions.append(outcome)
            if outcome.stop:
                break
    return done
