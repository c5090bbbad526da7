"""The record store: runs, hash-chained events, blobs, tickets, pull requests, halts, incidents.

    from factory.store import Store, RunStatus
    store = Store.open(config)            # or Store("sqlite:///path.db"); migrates on open
    run = store.create_run("owner/repo#12", "repo")
    store.append_event(run.id, "plan.created", "planner", {"steps": 3})

- `store`: `Store`, the one door to the records (SQLAlchemy; SQLite by default, any URL).
- `models`: the tables.
- `statuses`: run, pull request and approval statuses, importable without SQLAlchemy.
- `engine`: opening the database and applying the Alembic migrations (`migrations/`).
- `appending`: appending events to a run's hash chain under the write lock.
- `chain`, `audit`, `sqlite_scan`: canonical event hashing and `factory audit verify`.
- `pull_requests`: the local forge's pull request records.
- `incidents`: production incidents and the change they name as root cause.
- `retrying`: the one retry loop, for writes that lost a race on a unique key and for
  writers waiting for SQLite's write lock; `busy`: the error naming the process that holds
  the lock too long.

Re-exports load on first use, so the CLI can read `factory.store.statuses` without SQLAlchemy.
"""

from typing import TYPE_CHECKING

from policies.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from factory.store.appending import ChainHead, NewEvent, RunNotFoundError
    from factory.store.incidents import IncidentNotFoundError
    from factory.store.models import (
        Approval,
        Event,
        Halt,
        Incident,
        PullRequest,
        Run,
        TicketRecord,
    )
    from factory.store.statuses import ApprovalDecision, PullRequestStatus, RunStatus
    from factory.store.store import BlobNotFoundError, Store

_HOMES = {
    "factory.store.appending": ("ChainHead", "NewEvent", "RunNotFoundError"),
    "factory.store.incidents": ("IncidentNotFoundError",),
    "factory.store.models": (
        "Approval",
        "Event",
        "Halt",
        "Incident",
        "PullRequest",
        "Run",
        "TicketRecord",
    ),
    "factory.store.statuses": ("ApprovalDecision", "PullRequestStatus", "RunStatus"),
    "factory.store.store": ("BlobNotFoundError", "Store"),
}

__all__ = [
    "Approval",
    "ApprovalDecision",
    "BlobNotFoundError",
    "ChainHead",
    "Event",
    "Halt",
    "Incident",
    "IncidentNotFoundError",
    "NewEvent",
    "PullRequest",
    "PullRequestStatus",
    "Run",
    "RunNotFoundError",
    "RunStatus",
    "Store",
    "TicketRecord",
]

if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt name stays an error there
    __getattr__, __dir__ = lazy_exports("factory.store", _HOMES, globals())
