"""On PostgreSQL a ticket claim skips a claim row another transaction holds (SKIP LOCKED).

A claimant never queues behind another process's claim transaction: it is refused at once,
naming the ticket, and claims normally once that transaction has ended.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from factory.store import RunStatus, Store, TicketClaimed
from factory.store.claims import ClaimBusy
from factory.store.database import libpq_dsn
from tests.support.databases import ScratchDatabase, scratch_database

pytestmark = [pytest.mark.integration]

CLAIMERS = 8


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[ScratchDatabase]:
    with scratch_database("postgresql", tmp_path) as database:
        yield database


def test_a_claim_row_held_by_another_transaction_is_skipped_not_waited_for(
    postgres: ScratchDatabase,
) -> None:
    with Store(postgres.url) as store:
        store.runs.create("acme/app#3", "app", status=RunStatus.FAILED, ticket_key="app#3")
        fresh = store.runs.create("acme/app#3", "app", status=RunStatus.RUNNING)
        with psycopg.connect(libpq_dsn(postgres.url)) as holder:
            holder.execute("SELECT * FROM ticket_claims WHERE ticket_key = 'app#3' FOR UPDATE")
            started = time.monotonic()
            with pytest.raises(ClaimBusy, match=r"changing ticket app#3's claim right now"):
                store.claims.claim("app#3", fresh.id)
            # Refused without waiting for the holder (whose transaction is still open).
            assert holder.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
            assert time.monotonic() - started < 30
        # The holder's transaction is over: the stale claim of the failed run is taken over.
        assert store.claims.claim("app#3", fresh.id).run_id == fresh.id


def test_of_concurrent_claimers_of_one_ticket_exactly_one_holds_it(
    postgres: ScratchDatabase,
) -> None:
    with Store(postgres.url) as store:
        runs = [
            store.runs.create("acme/app#9", "app", status=RunStatus.RUNNING)
            for _ in range(CLAIMERS)
        ]
        gate = threading.Barrier(CLAIMERS)
        won: list[str] = []
        refused: list[TicketClaimed] = []

        def claim(run_id: str) -> None:
            gate.wait()
            try:
                won.append(store.claims.claim("app#9", run_id).run_id)
            except TicketClaimed as claimed:
                refused.append(claimed)

        threads = [threading.Thread(target=claim, args=(run.id,)) for run in runs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(won) == 1 and len(refused) == CLAIMERS - 1
        claim_row = store.claims.of_ticket("app#9")
        assert claim_row is not None and claim_row.run_id == won[0]
