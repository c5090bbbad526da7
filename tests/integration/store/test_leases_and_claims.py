"""Run leases and ticket claims in a real store (SQLite and PostgreSQL), raced by real processes."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from factory.store import (
    LeaseHeld,
    LeaseLost,
    LeaseOwner,
    RunStatus,
    Store,
    TicketClaimed,
)
from factory.support.utc import utcnow
from tests.support.databases import ScratchDatabase
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

ELSEWHERE = LeaseOwner("another-host.example", 4242)
RACERS = 6


def _dead_pid() -> int:
    """The pid of a process of this host that has certainly exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_lease_held_by_a_live_process_is_refused_with_who_and_since(store: Store) -> None:
    run = store.runs.create("acme/app#1", "app")
    mine = LeaseOwner.this_process()
    store.leases.acquire(run.id, mine, ttl_s=60)
    # Another process on this host that is alive: the test runner's parent.
    import os

    other = LeaseOwner(socket.gethostname(), os.getppid())
    with pytest.raises(LeaseHeld) as held:
        store.leases.acquire(run.id, other, ttl_s=60)
    message = str(held.value)
    assert message.startswith(f"run {run.id} is being driven by pid {os.getpid()} on host ")
    assert " since 20" in message and message.endswith(" UTC")
    assert store.leases.live(run.id) is not None


def test_a_dead_owners_lease_is_taken_over_at_once(store: Store) -> None:
    run = store.runs.create("acme/app#1", "app")
    dead = LeaseOwner(socket.gethostname(), _dead_pid())
    store.leases.acquire(run.id, dead, ttl_s=3600)
    assert store.leases.live(run.id) is None
    lease = store.leases.acquire(run.id, LeaseOwner.this_process(), ttl_s=60)
    assert lease.previous is not None and lease.previous.owner == dead


def test_another_hosts_lease_is_live_until_it_expires(store: Store) -> None:
    run = store.runs.create("acme/app#1", "app")
    store.leases.acquire(run.id, ELSEWHERE, ttl_s=0.5)
    with pytest.raises(LeaseHeld):
        store.leases.acquire(run.id, LeaseOwner.this_process(), ttl_s=60)
    wait_until(lambda: store.leases.live(run.id) is None, "the lease expiring")
    taken = store.leases.acquire(run.id, LeaseOwner.this_process(), ttl_s=60)
    assert taken.previous is not None and taken.previous.owner == ELSEWHERE


def test_renewing_moves_the_expiry_and_fails_once_taken_over(store: Store) -> None:
    run = store.runs.create("acme/app#1", "app")
    first = store.leases.acquire(run.id, ELSEWHERE, ttl_s=0.2)
    renewed = store.leases.renew(run.id, ELSEWHERE, ttl_s=60)
    assert renewed.expires_at > first.expires_at + timedelta(seconds=50)
    assert renewed.since == first.since
    store.leases.renew(run.id, ELSEWHERE, ttl_s=0.01)
    wait_until(lambda: store.leases.live(run.id) is None, "the lease expiring")
    store.leases.acquire(run.id, LeaseOwner.this_process(), ttl_s=60)
    with pytest.raises(LeaseLost):
        store.leases.renew(run.id, ELSEWHERE, ttl_s=60)


def test_only_the_holder_releases_a_lease(store: Store) -> None:
    run = store.runs.create("acme/app#1", "app")
    mine = LeaseOwner.this_process()
    store.leases.acquire(run.id, mine, ttl_s=60)
    assert store.leases.release(run.id, ELSEWHERE) is False
    assert store.leases.of_run(run.id) is not None
    assert store.leases.release(run.id, mine) is True
    assert store.leases.of_run(run.id) is None


LEASE_RACER = """
import sys, time
from factory.store import Store, LeaseOwner, LeaseHeld
url, run_id, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
with Store(url) as store:
    while time.time() < start:
        time.sleep(0.001)
    try:
        store.leases.acquire(run_id, LeaseOwner.this_process(), ttl_s=600)
        print("won")
    except LeaseHeld as held:
        print("lost", held)
    sys.stdout.flush()
    time.sleep(1.5)  # stay alive, so the winner's lease stays live for the others
"""

CLAIM_RACER = """
import sys, time
from factory.store import Store, TicketClaimed
url, start = sys.argv[1], float(sys.argv[2])
with Store(url) as store:
    while time.time() < start:
        time.sleep(0.001)
    try:
        run = store.runs.create("acme/app#7", "app", status="running", ticket_key="app#7")
        print("won", run.id)
    except TicketClaimed as claimed:
        print("lost", claimed.run_id)
"""


def _race(script: str, *args: str) -> list[str]:
    start = str(time.time() + 2.0)
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", script, *args, start], stdout=subprocess.PIPE, text=True
        )
        for _ in range(RACERS)
    ]
    outputs = [racer.communicate(timeout=120)[0].strip() for racer in racers]
    assert [racer.returncode for racer in racers] == [0] * RACERS
    return outputs


def test_of_processes_racing_for_one_lease_exactly_one_wins(database: ScratchDatabase) -> None:
    url = database.url
    with Store(url) as store:
        run_id = store.runs.create("acme/app#1", "app").id
    outputs = _race(LEASE_RACER, url, run_id)
    assert sorted(line.split()[0] for line in outputs) == ["lost"] * (RACERS - 1) + ["won"]
    assert all("is being driven by pid" in line for line in outputs if line.startswith("lost"))


def test_of_processes_starting_runs_of_one_ticket_exactly_one_creates_a_run(
    database: ScratchDatabase,
) -> None:
    url = database.url
    with Store(url):
        pass  # migrate once, before the race
    outputs = _race(CLAIM_RACER, url)
    winners = [line.split()[1] for line in outputs if line.startswith("won")]
    assert len(winners) == 1
    assert {line.split()[1] for line in outputs if line.startswith("lost")} == set(winners)
    with Store(url) as store:
        assert [run.id for run in store.runs.latest()] == winners
        claim = store.claims.of_ticket("app#7")
        assert claim is not None and claim.run_id == winners[0]


def test_a_claim_is_refused_while_its_run_is_open_and_free_once_released(store: Store) -> None:
    first = store.runs.create("acme/app#7", "app", status=RunStatus.RUNNING, ticket_key="app#7")
    second = store.runs.create("acme/app#7", "app")
    with pytest.raises(TicketClaimed) as claimed:
        store.claims.claim("app#7", second.id)
    assert claimed.value.run_id == first.id
    assert f"already has an open run, {first.id}" in str(claimed.value)
    assert store.claims.claim("app#7", first.id).run_id == first.id  # idempotent
    assert store.claims.release("app#7", second.id) is False
    assert store.claims.release_run(first.id) == ["app#7"]
    assert store.claims.claim("app#7", second.id).run_id == second.id


def test_a_claim_left_by_a_run_that_ended_is_taken_over(store: Store) -> None:
    first = store.runs.create("acme/app#7", "app", status=RunStatus.RUNNING, ticket_key="app#7")
    store.runs.update(first.id, status=RunStatus.MERGED, finished_at=utcnow())
    second = store.runs.create("acme/app#7", "app", ticket_key="app#7")
    claim = store.claims.of_ticket("app#7")
    assert claim is not None and claim.run_id == second.id


HALT_RACER = """
import sys, time
from factory.store import Store, AlreadyHalted
url, start = sys.argv[1], float(sys.argv[2])
with Store(url) as store:
    while time.time() < start:
        time.sleep(0.001)
    try:
        store.halts.add("all", "incident", "ops")
        print("won")
    except AlreadyHalted as already:
        print("lost", already)
"""


def test_of_processes_halting_one_scope_at_once_exactly_one_adds_a_halt(
    database: ScratchDatabase,
) -> None:
    url = database.url
    with Store(url):
        pass
    outputs = _race(HALT_RACER, url)
    assert sorted(line.split()[0] for line in outputs) == ["lost"] * (RACERS - 1) + ["won"]
    with Store(url) as store:
        assert len(store.halts.active()) == 1


def test_a_driver_lease_heartbeats_while_held_and_is_given_back_after(store: Store) -> None:
    from factory.governance.liveness import DriverLease

    run = store.runs.create("acme/app#1", "app", status=RunStatus.RUNNING)
    with DriverLease(store, run.id, ttl_s=0.6) as driver:
        assert driver.lease is not None
        first = driver.lease.expires_at
        # Past the first expiry: only the heartbeat keeps the lease live.
        wait_until(lambda: utcnow() > first + timedelta(seconds=0.2), "the first expiry")
        live = store.leases.live(run.id)
        assert live is not None and live.expires_at > first
        assert live.heartbeat_at > driver.lease.heartbeat_at
        driver.check()  # still ours
    assert store.leases.of_run(run.id) is None


def test_a_driver_whose_lease_was_taken_over_finds_out_at_its_next_check(store: Store) -> None:
    from factory.governance.liveness import DriverLease

    run = store.runs.create("acme/app#1", "app", status=RunStatus.RUNNING)
    with DriverLease(store, run.id, ttl_s=60, owner=ELSEWHERE) as stalled:
        store.leases.renew(run.id, ELSEWHERE, ttl_s=0.01)  # as if it had stopped renewing
        wait_until(lambda: store.leases.live(run.id) is None, "the lease expiring")
        store.leases.acquire(run.id, LeaseOwner.this_process(), ttl_s=60)
        with pytest.raises(LeaseLost):
            stalled.check()
        assert stalled.still_held() is False
    # Standing down does not release the new driver's lease.
    lease = store.leases.of_run(run.id)
    assert lease is not None and lease.owner == LeaseOwner.this_process()
