"""The record store: runs, hash-chained events, blobs, tickets, pull requests, halts, incidents,
leases, claims, sweeps.

    from factory.store import Store, RunStatus
    store = Store.open(config)            # or Store("sqlite:///path.db"); migrates on open
    run = store.create_run("owner/repo#12", "repo")
    store.append_event(run.id, "plan.created", "planner", {"steps": 3})

- `store`: `Store`, the one door to the records (SQLAlchemy; SQLite by default, any URL).
- `models`: the tables.
- `statuses`: run, pull request and approval statuses, importable without SQLAlchemy.
- `database`: opening the database and applying the Alembic migrations (`migrations/`).
- `appending`: appending events to a run's hash chain under the write lock.
- `chain`, `audit`, `sqlite_scan`: canonical event hashing and `factory audit verify`.
- `pull_requests`: the local forge's pull request records.
- `incidents`: production incidents and the change they name as root cause.
- `leases`: the run lease, one live driver per run. `LeaseOwner(host, pid)` (`.this_process()`);
  `Store.acquire_lease(run_id, owner, ttl_s) -> Lease` takes a free, expired or dead-owner
  lease atomically or raises `LeaseHeld` ("run r-… is being driven by pid P on host H since T");
  `renew_lease(run_id, owner, ttl_s)` (the heartbeat; `LeaseLost` when taken over),
  `release_lease(run_id, owner) -> bool`, `lease_of(run_id)` (as recorded), `live_lease(run_id)`
  (None unless a live process holds it); `Lease.of_run(run).is_live()` without a query.
- `claims`: one open run per ticket. `Store.claim_ticket(ticket_key, run_id)` atomically or
  `TicketClaimed` naming the open run (`.run_id`); `create_run(..., ticket_key=K)` claims in
  the same transaction; `release_ticket_claim(ticket_key, run_id)`, `release_run_claims(run_id)`
  when a run ends, `ticket_claim(ticket_key)`. Claims of ended or missing runs are taken over.
- `retrying`: the one retry loop, for writes that lost a race on a unique key and for
  writers waiting for SQLite's write lock; `busy`: the error naming the process that holds
  the lock too long.
- `sweeps`: sweep records (finished once, under the sweep's row lock), backlog tickets added to
  the store, runs by ticket identity.

Re-exports load on first use, so the CLI can read `factory.store.statuses` without SQLAlchemy.
"""

from typing import TYPE_CHECKING

from factory.support.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from factory.store.appending import ChainHead, NewEvent, RunNotFoundError
    from factory.store.claims import TicketClaimed
    from factory.store.evals import EvalNotFound
    from factory.store.incidents import IncidentNotFoundError
    from factory.store.leases import Lease, LeaseHeld, LeaseLost, LeaseOwner
    from factory.store.models import (
        Approval,
        Event,
        Halt,
        Incident,
        PullRequest,
        Run,
        Sweep,
        TicketClaim,
        TicketRecord,
    )
    from factory.store.statuses import (
        OPEN_RUN_STATUSES,
        ApprovalDecision,
        PullRequestStatus,
        RunStatus,
    )
    from factory.store.store import AlreadyHalted, BlobNotFoundError, Store

_HOMES = {
    "factory.store.appending": ("ChainHead", "NewEvent", "RunNotFoundError"),
    "factory.store.claims": ("TicketClaimed",),
    "factory.store.evals": ("EvalNotFound",),
    "factory.store.incidents": ("IncidentNotFoundError",),
    "factory.store.leases": ("Lease", "LeaseHeld", "LeaseLost", "LeaseOwner"),
    "factory.store.models": (
        "Approval",
        "Event",
        "Halt",
        "Incident",
        "PullRequest",
        "Run",
        "Sweep",
        "TicketRecord",
        "TicketClaim",
    ),
    "factory.store.statuses": (
        "OPEN_RUN_STATUSES",
        "ApprovalDecision",
        "PullRequestStatus",
        "RunStatus",
    ),
    "factory.store.store": ("AlreadyHalted", "BlobNotFoundError", "Store"),
}

__all__ = [
    "OPEN_RUN_STATUSES",
    "AlreadyHalted",
    "Approval",
    "ApprovalDecision",
    "BlobNotFoundError",
    "ChainHead",
    "EvalNotFound",
    "Event",
    "Halt",
    "Incident",
    "IncidentNotFoundError",
    "Lease",
    "LeaseHeld",
    "LeaseLost",
    "LeaseOwner",
    "NewEvent",
    "PullRequest",
    "PullRequestStatus",
    "Run",
    "RunNotFoundError",
    "RunStatus",
    "Store",
    "Sweep",
    "TicketRecord",
    "TicketClaim",
    "TicketClaimed",
]

if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt name stays an error there
    __getattr__, __dir__ = lazy_exports("factory.store", _HOMES, globals())
