"""The maintenance pass: every open factory pull request of a repository, visited in turn.

For each pull request a run of this store opened, `PULL_STEPS` run in order, each given the
`PullContext` and returning a `StepOutcome` (what it did) or None (nothing to do); an outcome
with `stop` ends the pass for that pull request. Every `factory sweep` makes the pass before
it selects tickets, `factory pr sync` makes it on demand, and the GitHub webhook makes it for
one pull request when a review or comment arrives. A step that fails is recorded as the
pull request's outcome and the pass goes on with the next one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from pydantic import BaseModel, ConfigDict, Field

from factory.config import FactoryConfig, RepoConfig
from factory.config.repo_settings import governing_repo_config
from factory.forges.base import Forge, PullRequestInfo
from factory.git import ensure_clone, read_from_base
from factory.git.base_branch import base_branch_of
from factory.pulls.base_update import update_pull
from factory.pulls.ci import check_pull
from factory.pulls.feedback import feedback_step
from factory.pulls.reconcile import reconcile_pull
from factory.run.pr_sync import awaiting_runs
from factory.run.rounds import checkpointed_state
from factory.run.setup import make_forge
from factory.run.state import RunState
from factory.store import Store
from factory.store.models import Run
from factory.support.errors import error_text

log = structlog.get_logger()


class StepOutcome(BaseModel):
    """What one step did to a pull request."""

    model_config = ConfigDict(frozen=True)

    step: str
    action: str
    """A short word: `round`, `ignored`, `refused`, `approved`, `rebased`, `error`..."""
    detail: str = ""
    stop: bool = False


class PullMaintenance(BaseModel):
    """One pull request's pass: what each step did (empty when nothing was needed)."""

    repo: str
    number: int
    run_id: str | None
    actions: list[StepOutcome] = Field(default_factory=list)


@dataclass
class PullContext:
    """What a step works with: the pull request as the forge says now, and its run."""

    config: FactoryConfig
    store: Store
    repo: str
    repo_config: RepoConfig
    """The operator's settings; `governing()` narrows them by the repository's own file."""
    forge: Forge
    pull: PullRequestInfo
    run: Run | None
    state: RunState | None
    _governing: RepoConfig | None = field(default=None, repr=False)

    def governing(self) -> RepoConfig:
        """The settings as the repository's own factory.toml on its base branch narrows them
        (read once per pass, from the clone runs use)."""
        if self._governing is None:
            source, env = self.forge.clone_source()
            clone = ensure_clone(source, self.config.factory.data_dir / "clones", env=env)
            text = read_from_base(clone, base_branch_of(self.repo_config), "factory.toml")
            self._governing = governing_repo_config(self.repo_config, text, self.repo)
        return self._governing


PullStep = Callable[[PullContext], "StepOutcome | None"]


PULL_STEPS: list[PullStep] = [reconcile_pull, update_pull, check_pull, feedback_step]


def maintain_repo(
    config: FactoryConfig, store: Store, repo: str, *, forge: Forge | None = None
) -> list[PullMaintenance]:
    """The pass over every open pull request of `repo` that a run of this store opened."""
    waiting = awaiting_runs(store, repo)
    if not waiting:
        return []
    forge = forge or make_forge(config, store, repo, config.repo(repo))
    open_numbers = {pull.number for pull in forge.open_pull_requests()}
    runs = {number: run_id for run_id, number in waiting if number in open_numbers}
    return [
        maintain_pull(config, store, repo, number, forge=forge, run_id=run_id)
        for number, run_id in sorted(runs.items())
    ]


def maintain_pull(
    config: FactoryConfig,
    store: Store,
    repo: str,
    number: int,
    *,
    forge: Forge | None = None,
    run_id: str | None = None,
) -> PullMaintenance:
    """The steps over one pull request, in order; a failing step ends its pass, recorded."""
    repo_config = config.repo(repo)
    forge = forge or make_forge(config, store, repo, repo_config)
    if run_id is None:
        run_id = next((rid for rid, n in awaiting_runs(store, repo) if n == number), None)
    result = PullMaintenance(repo=repo, number=number, run_id=run_id)
    if run_id is None:
        return result  # no run of this store waits on it: not the factory's to maintain
    run = store.runs.get(run_id)
    ctx = PullContext(
        config=config,
        store=store,
        repo=repo,
        repo_config=repo_config,
        forge=forge,
        pull=forge.get_pull_request(number),
        run=run,
        state=checkpointed_state(config, run_id),
    )
    for step in PULL_STEPS:
        try:
            outcome = step(ctx)
        except Exception as error:  # one pull request's trouble never ends the whole pass
            detail = error_text(error) or repr(error)
            name = step.__name__.removesuffix("_step")
            outcome = StepOutcome(step=name, action="error", detail=detail, stop=True)
            log.warning(
                "a maintenance step failed", repo=repo, pr=number, error=detail, exc_info=True
            )
        if outcome is None:
            continue
        result.actions.append(outcome)
        if outcome.stop:
            break
    return result


def maintenance_record(items: list[PullMaintenance]) -> list[dict[str, object]]:
    """The pass as `--json` prints it."""
    return [json.loads(item.model_dump_json()) for item in items]
