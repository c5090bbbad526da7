"""Run checkpoints follow the store: SqliteSaver beside a SQLite store, PostgresSaver in a
PostgreSQL one, and finished runs keep only the checkpoint resume reads."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph

from factory.config import FactoryConfig, parse_config
from factory.run.checkpoints import open_checkpointer, prune_finished
from tests.support.databases import BACKENDS, ScratchDatabase, scratch_database

pytestmark = pytest.mark.integration


class Steps(TypedDict):
    done: list[str]


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ScratchDatabase]:
    with scratch_database(request.param, tmp_path) as scratch:
        yield scratch


def config_for(
    database: ScratchDatabase, tmp_path: Path, retention: str = "latest"
) -> FactoryConfig:
    return parse_config(
        {"factory": {"database_url": database.url, "checkpoint_retention": retention}},
        source="test",
        base_dir=tmp_path,
        environ={},
    )


def run_three_steps(checkpointer: Any, thread_id: str) -> dict[str, Any]:
    graph: StateGraph[Any, Any, Any, Any] = StateGraph(Steps)
    for name in ("plan", "code", "test"):
        graph.add_node(name, lambda state, name=name: {"done": [*state["done"], name]})
    graph.add_edge(START, "plan")
    graph.add_edge("plan", "code")
    graph.add_edge("code", "test")
    graph.add_edge("test", END)
    compiled = graph.compile(checkpointer=checkpointer)
    thread: Any = {"configurable": {"thread_id": thread_id}}
    compiled.invoke({"done": []}, thread)
    return dict(compiled.get_state(thread).values)


def checkpoints_of(checkpointer: Any, thread_id: str) -> int:
    return len(list(checkpointer.list({"configurable": {"thread_id": thread_id}})))


def test_the_checkpointer_follows_the_store_url(database: ScratchDatabase, tmp_path: Path) -> None:
    with open_checkpointer(config_for(database, tmp_path)) as checkpointer:
        expected = "PostgresSaver" if database.backend == "postgresql" else "SqliteSaver"
        assert type(checkpointer).__name__ == expected
        assert run_three_steps(checkpointer, "r-1") == {"done": ["plan", "code", "test"]}
    # A second process (here: a second open) finds the same run's checkpoint.
    with open_checkpointer(config_for(database, tmp_path)) as checkpointer:
        saved = checkpointer.get_tuple({"configurable": {"thread_id": "r-1"}})
        assert saved is not None
        assert saved.checkpoint["channel_values"]["done"] == ["plan", "code", "test"]
    if database.backend == "postgresql":
        tables = {row[0] for row in database.query("SELECT tablename FROM pg_tables")}
        assert {"checkpoints", "checkpoint_blobs", "checkpoint_writes"} <= tables


def test_a_finished_run_keeps_only_its_latest_checkpoint_on_postgresql(tmp_path: Path) -> None:
    with scratch_database("postgresql", tmp_path) as database:
        with open_checkpointer(config_for(database, tmp_path)) as checkpointer:
            final = run_three_steps(checkpointer, "r-done")
            run_three_steps(checkpointer, "r-other")
            assert checkpoints_of(checkpointer, "r-done") == 5  # input, start, 3 nodes
            assert prune_finished(checkpointer, "r-done", "latest") is True
            assert checkpoints_of(checkpointer, "r-done") == 1
            assert checkpoints_of(checkpointer, "r-other") == 5  # other runs untouched
            saved = checkpointer.get_tuple({"configurable": {"thread_id": "r-done"}})
            assert saved is not None and saved.checkpoint["channel_values"] == final
        [(blobs,)] = database.query(
            "SELECT count(*) FROM checkpoint_blobs WHERE thread_id = 'r-done'"
        )
        assert blobs <= 1


def test_retention_all_keeps_every_step(database: ScratchDatabase, tmp_path: Path) -> None:
    with open_checkpointer(config_for(database, tmp_path, "all")) as checkpointer:
        run_three_steps(checkpointer, "r-kept")
        assert prune_finished(checkpointer, "r-kept", "all") is False
        assert checkpoints_of(checkpointer, "r-kept") == 5


def test_sqlite_checkpoints_cannot_be_pruned_and_lose_nothing(tmp_path: Path) -> None:
    with (
        scratch_database("sqlite", tmp_path) as database,
        open_checkpointer(config_for(database, tmp_path)) as checkpointer,
    ):
        run_three_steps(checkpointer, "r-sqlite")
        assert prune_finished(checkpointer, "r-sqlite", "latest") is False
        assert checkpoints_of(checkpointer, "r-sqlite") == 5
