"""The Store API on SQLite and PostgreSQL: runs, events, blobs, tickets, PRs, approvals, halts."""

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from factory.store import NewEvent, RunNotFoundError, RunStatus, Store
from factory.store.audit import verify
from factory.store.chain import GENESIS, event_hash
from factory.store.database import current_revision, head_revision
from factory.store.models import Base
from tests.support.databases import ScratchDatabase, scratch_database

pytestmark = pytest.mark.integration


def test_opening_a_new_database_migrates_it_to_the_newest_revision(
    database: ScratchDatabase,
) -> None:
    with Store(database.url) as store:
        head = head_revision()
        assert head is not None and current_revision(store.engine) == head


def test_sqlite_databases_are_opened_in_wal_mode(tmp_path: Path) -> None:
    with scratch_database("sqlite", tmp_path) as database, Store(database.url):
        assert database.query("PRAGMA journal_mode") == [("wal",)]


def test_migrations_produce_exactly_the_schema_the_models_declare(store: Store) -> None:
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_reopening_an_existing_database_keeps_its_records(database: ScratchDatabase) -> None:
    with Store(database.url) as store:
        run = store.runs.create("acme/app#1", "app")
    with Store(database.url) as store:
        assert store.runs.get(run.id).ticket_ref == "acme/app#1"


def test_run_lifecycle_fields_round_trip(store: Store) -> None:
    run = store.runs.create("acme/app#7", "app", branch="factory/7", autonomy_level="L1")
    assert run.id.startswith("r-") and run.status == "queued" and run.head_hash == GENESIS
    store.runs.update(run.id, status=RunStatus.RUNNING, outcome=None)
    store.runs.add_usage(run.id, cost_usd=0.25, tokens_in=1000, tokens_out=200)
    store.runs.add_usage(run.id, cost_usd=0.5, tokens_in=10, tokens_out=5)
    loaded = store.runs.get(run.id)
    assert (loaded.status, loaded.cost_usd, loaded.tokens) == ("running", 0.75, 1215)
    assert loaded.branch == "factory/7" and loaded.autonomy_level == "L1"


def test_run_status_must_be_a_known_status(store: Store) -> None:
    run = store.runs.create("t", "app")
    with pytest.raises(ValueError, match="'shipped' is not a valid RunStatus"):
        store.runs.update(run.id, status="shipped")


def test_chain_fields_of_a_run_cannot_be_written(store: Store) -> None:
    run = store.runs.create("t", "app")
    with pytest.raises(ValueError, match=r"\['head_hash'\] cannot be changed"):
        store.runs.update(run.id, head_hash="0" * 64)


def test_unknown_run_raises_an_error_that_says_what_to_do(store: Store) -> None:
    with pytest.raises(RunNotFoundError) as caught:
        store.runs.get("r-missing")
    assert str(caught.value) == "no run 'r-missing'; `factory runs list` shows the runs there are"
    with pytest.raises(RunNotFoundError):
        store.events.append("r-missing", "x", "system")


def test_latest_runs_filter_by_status_and_repo_newest_first(store: Store) -> None:
    a = store.runs.create("t1", "app")
    b = store.runs.create("t2", "web")
    c = store.runs.create("t3", "app")
    store.runs.update(c.id, status="failed")
    assert [run.id for run in store.runs.latest()] == [c.id, b.id, a.id]
    assert [run.id for run in store.runs.latest(repo="app")] == [c.id, a.id]
    assert [run.id for run in store.runs.latest(status="failed")] == [c.id]
    assert len(store.runs.latest(limit=1)) == 1


def test_events_chain_hashes_over_canonical_json(store: Store) -> None:
    run = store.runs.create("t", "app")
    first = store.events.append(run.id, "plan.created", "planner", {"b": 1, "a": "é"})
    second = store.events.append(run.id, "tool.call", "coder")
    assert first.payload == '{"a":"é","b":1}'
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash
    assert first.hash == event_hash(
        GENESIS, run.id, first.ts, "plan.created", "planner", first.payload
    )
    stored = store.events.read(run.id)
    assert [(e.seq, e.hash) for e in stored] == [(1, first.hash), (2, second.hash)]
    assert store.runs.get(run.id).head_hash == second.hash


def test_batch_append_continues_the_same_chain(store: Store) -> None:
    run = store.runs.create("t", "app")
    store.events.append(run.id, "run.started", "system")
    head = store.events.append_many(
        run.id, [NewEvent("tool.call", "coder", {"i": i}) for i in range(50)]
    )
    assert head.event_count == 51
    assert store.runs.get(run.id).head_hash == head.head_hash == store.events.read(run.id)[-1].hash
    assert verify(store).ok


def test_payload_that_is_not_json_is_refused_and_nothing_is_written(store: Store) -> None:
    run = store.runs.create("t", "app")
    with pytest.raises(TypeError):
        store.events.append(run.id, "x", "system", {"when": object()})
    assert store.events.read(run.id) == [] and store.runs.get(run.id).event_count == 0


def test_iterating_events_streams_everything_in_order_and_filters(store: Store) -> None:
    one = store.runs.create("t1", "app")
    two = store.runs.create("t2", "app")
    store.events.append_many(one.id, [NewEvent("a", "system", {"i": i}) for i in range(5)])
    store.events.append_many(two.id, [NewEvent("b", "system", {"i": i}) for i in range(3)])
    everything = list(store.events.iterate(batch=2))
    assert [e.run_id for e in everything] == [one.id] * 5 + [two.id] * 3
    assert [e.seq for e in store.events.iterate(run_id=two.id)] == [1, 2, 3]
    assert list(store.events.iterate(since="2999-01-01")) == []


def test_blobs_are_content_addressed_compressed_and_stored_once(
    store: Store, database: ScratchDatabase
) -> None:
    transcript = json.dumps({"messages": ["hello"] * 500}).encode()
    ref = store.blobs.put(transcript)
    assert store.blobs.put(transcript) == ref
    assert store.blobs.get(ref) == transcript
    [(count, stored)] = database.query("SELECT count(*), max(length(data)) FROM blobs")
    assert count == 1 and stored < len(transcript) / 10
    with pytest.raises(KeyError):
        store.blobs.get("0" * 64)


def test_tickets_are_recorded_and_refreshed(store: Store) -> None:
    store.tickets.record("acme/app#3", "Bug", "body", labels=["bug"], source="github")
    store.tickets.record(
        "acme/app#3", "Bug (edited)", "body 2", labels=["bug", "p1"], source="github"
    )
    ticket = store.tickets.get("acme/app#3")
    assert ticket is not None
    assert (ticket.title, json.loads(ticket.labels)) == ("Bug (edited)", ["bug", "p1"])


def test_pull_requests_number_sequentially_per_repo(store: Store) -> None:
    fields = {"title": "Fix", "head_branch": "factory/1", "base_branch": "main"}
    first = store.pull_requests.create(repo="app", **fields)
    second = store.pull_requests.create(repo="app", **fields | {"head_branch": "factory/2"})
    other = store.pull_requests.create(repo="web", draft=True, **fields)
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert other.status == "draft" and first.forge == "local"
    found = store.pull_requests.of_branch("app", "factory/2")
    assert found is not None and found.number == 2
    store.pull_requests.update("app", 1, status="merged", merged_sha="abc123")
    merged = store.pull_requests.get("app", 1)
    assert merged is not None and (merged.status, merged.merged_sha) == ("merged", "abc123")
    assert [pr.number for pr in store.pull_requests.all(repo="app", status="open")] == [2]
    assert store.pull_requests.of_branch("app", "nope") is None


def test_approvals_are_listed_and_land_in_the_audit_chain(store: Store) -> None:
    run = store.runs.create("t", "app")
    store.approvals.record(run.id, "approve", "alice", "looks right")
    assert [(a.decision, a.by) for a in store.approvals.of_run(run.id)] == [("approve", "alice")]
    [event] = store.events.read(run.id)
    assert (event.kind, event.actor) == ("approval.approve", "human:alice")
    with pytest.raises(ValueError):
        store.approvals.record(run.id, "maybe", "bob")


def test_halts_stop_a_repo_or_everything_until_lifted(store: Store) -> None:
    assert store.halts.for_repo("app") is None
    store.halts.add("web", "incident", "ops")
    assert store.halts.for_repo("app") is None
    everything = store.halts.add("all", "freeze", "ops")
    halt = store.halts.for_repo("web")
    assert halt is not None and halt.id == everything.id  # the global halt names itself first
    assert [h.scope for h in store.halts.lift("all", "ops")] == ["all"]
    assert store.halts.lift("all", "ops") == []
    assert [h.scope for h in store.halts.active()] == ["web"]
