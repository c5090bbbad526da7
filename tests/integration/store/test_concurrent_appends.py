"""Several processes appending at once never fork a chain and never lose an event."""

import subprocess
import sys

import pytest

from factory.store import Store
from factory.store.audit import verify
from tests.support.databases import ScratchDatabase

pytestmark = pytest.mark.integration

WRITERS = 4
APPENDS = 25
WRITER_SCRIPT = """
import sys
from factory.store import Store
url, writer, count, *run_ids = sys.argv[1:]
with Store(url) as store:
    for index in range(int(count)):
        store.events.append(run_ids[index % len(run_ids)], "tool.call", "coder-" + writer,
                           {"writer": int(writer), "i": index})
"""


def test_processes_appending_to_the_same_and_different_runs_keep_every_chain_intact(
    database: ScratchDatabase,
) -> None:
    url = database.url
    with Store(url) as store:
        run_ids = [store.runs.create(f"t{i}", "app").id for i in range(2)]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER_SCRIPT, url, str(writer), str(APPENDS), *run_ids]
        )
        for writer in range(WRITERS)
    ]
    assert [writer.wait(timeout=300) for writer in writers] == [0] * WRITERS
    with Store(url) as store:
        report = verify(store)
        assert report.ok, report.summary()
        assert report.events == WRITERS * APPENDS
        for run_id in run_ids:
            count = store.runs.get(run_id).event_count
            assert [event.seq for event in store.events.read(run_id)] == list(range(1, count + 1))


OPENER_SCRIPT = """
import sys
from factory.store import Store
with Store(sys.argv[1]) as store:
    store.runs.create("t", "app")
"""


def test_processes_opening_a_new_database_at_once_all_find_it_migrated(
    database: ScratchDatabase,
) -> None:
    openers = [
        subprocess.Popen([sys.executable, "-c", OPENER_SCRIPT, database.url]) for _ in range(4)
    ]
    assert [opener.wait(timeout=300) for opener in openers] == [0] * 4
    with Store(database.url) as store:
        assert len(store.runs.latest()) == 4
        assert verify(store).ok
