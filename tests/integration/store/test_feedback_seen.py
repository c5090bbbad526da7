"""Each feedback item of a pull request is taken once, even by passes running at once."""

from __future__ import annotations

import threading

import pytest

from factory.store import Store
from tests.support.databases import ScratchDatabase

pytestmark = [pytest.mark.integration]


def test_an_item_is_taken_once_and_released_only_for_a_round_that_never_started(
    store: Store,
) -> None:
    seen = store.feedback_seen
    assert seen.take("app", 7, ["review:1", "review:1", "issue_comment:2"], action="round") == [
        "review:1",
        "issue_comment:2",
    ]
    assert seen.take("app", 7, ["review:1", "issue_comment:3"], action="round") == [
        "issue_comment:3"
    ]
    assert seen.take("app", 8, ["review:1"], action="ignored: x") == ["review:1"]  # another PR
    seen.release("app", 7, ["issue_comment:3"])
    assert set(seen.seen("app", 7)) == {"review:1", "issue_comment:2"}
    assert seen.seen("app", 7)["review:1"].action == "round"


def test_passes_running_at_once_never_both_take_an_item(database: ScratchDatabase) -> None:
    items = [f"issue_comment:{n}" for n in range(20)]
    taken: list[list[str]] = []
    start = threading.Barrier(4)

    def one_pass() -> None:
        with Store(database.url) as store:
            start.wait()
            taken.append(store.feedback_seen.take("app", 1, items, action="round"))

    threads = [threading.Thread(target=one_pass) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [item for batch in taken for item in batch]
    assert sorted(everything) == sorted(items)
