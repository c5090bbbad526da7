"""A maintenance pass's `PullContext` for one factory pull request, built as the pass builds it:
the configured forge, the pull request as the forge reports it now, the run that opened it
and that run's last checkpointed state."""

from __future__ import annotations

from typing import Any, cast

from langchain_core.runnables import RunnableConfig

from factory.config import FactoryConfig
from factory.forges.base import Forge
from factory.pulls.maintain import PullContext
from factory.run.checkpoints import open_checkpointer
from factory.run.setup import make_forge
from factory.run.state import RunState
from factory.store import Store


def run_state(config: FactoryConfig, run_id: str) -> RunState | None:
    thread = cast(RunnableConfig, {"configurable": {"thread_id": run_id}})
    with open_checkpointer(config) as checkpointer:
        saved = checkpointer.get_tuple(thread)
    if saved is None:
        return None
    values: dict[str, Any] = saved.checkpoint["channel_values"]
    return RunState.model_validate(values)


def pull_context(
    config: FactoryConfig, store: Store, repo: str, run_id: str, *, forge: Forge | None = None
) -> PullContext:
    forge = forge or make_forge(config, store, repo, config.repo(repo))
    state = run_state(config, run_id)
    assert state is not None and state.pr_number is not None, "the run opened no pull request"
    return PullContext(
        config=config,
        store=store,
        repo=repo,
        repo_config=config.repo(repo),
        forge=forge,
        pull=forge.get_pull_request(state.pr_number),
        run=store.runs.get(run_id),
        state=state,
    )
