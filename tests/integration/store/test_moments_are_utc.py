"""Every moment a repository hands out is aware and in UTC, on SQLite and on PostgreSQL alike,
whether it was just written or read back, so nothing above the store converts a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from factory.store import LeaseOwner, Store
from sandboxes.labels import owner_label, this_process

pytestmark = pytest.mark.integration

PARIS_SUMMER = timezone(timedelta(hours=2))


def _is_utc(moment: datetime | None) -> bool:
    return moment is not None and moment.tzinfo is UTC


def test_rows_read_back_carry_utc_whatever_zone_they_were_written_in(store: Store) -> None:
    run = store.runs.create("acme/app#1", "app")
    local = datetime(2026, 7, 1, 14, 30, tzinfo=PARIS_SUMMER)
    written = store.runs.update(run.id, started_at=local)
    read = store.runs.get(run.id)
    for moment in (written.started_at, read.started_at):
        assert _is_utc(moment) and moment == local
        assert moment is not None and moment.hour == 12  # the same instant, on UTC's clock
    assert _is_utc(read.created_at) and _is_utc(read.updated_at)


def test_a_naive_moment_given_to_a_repository_is_taken_as_utc(store: Store) -> None:
    naive = datetime(2026, 3, 4, 5, 6, 7)
    opened = store.incidents.open("app", "disk full", by="ana", opened_at=naive)
    assert _is_utc(opened.opened_at) and opened.opened_at == naive.replace(tzinfo=UTC)
    (read,) = store.incidents.all("app")
    assert _is_utc(read.opened_at) and read.opened_at == naive.replace(tzinfo=UTC)


def test_every_repository_returns_aware_utc_moments(store: Store) -> None:
    run = store.runs.create("acme/app#2", "app", ticket_key="app#2")
    lease = store.leases.acquire(run.id, LeaseOwner.this_process(), ttl_s=60)
    recorded = store.leases.of_run(run.id)
    assert recorded is not None
    moments = [lease.since, recorded.since, recorded.heartbeat_at, recorded.expires_at]
    claim = store.claims.of_ticket("app#2")
    assert claim is not None
    moments.append(claim.claimed_at)
    store.halts.add("app", "deploy freeze", "ana")
    moments += [halt.created_at for halt in store.halts.active()]
    moments.append(store.tickets.record("acme/app#2", "t", "b", source="file").created_at)
    ticket = store.tickets.get("acme/app#2")
    assert ticket is not None
    moments += [ticket.created_at, ticket.updated_at]
    store.pull_requests.create(repo="app", title="t", head_branch="f/2", base_branch="main")
    moments += [pull.created_at for pull in store.pull_requests.all("app")]
    store.approvals.record(run.id, "approve", "ana")
    moments += [approval.created_at for approval in store.approvals.of_run(run.id)]
    sweep = store.sweeps.create({})
    found = store.sweeps.get(sweep.id)
    assert found is not None
    moments += [sweep.started_at, found.started_at]
    assert all(_is_utc(moment) for moment in moments), moments


def test_the_store_names_this_process_as_sandboxes_label_it(store: Store) -> None:
    assert store.sweeps.create({}).owner == owner_label()
    owner = LeaseOwner.this_process()
    assert (owner.host, owner.pid) == this_process()
