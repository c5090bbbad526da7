"""The record store: runs, their hash-chained events, blobs, tickets, pull requests, halts.

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
- `sweeps`: sweep records, backlog tickets added to the store, runs by ticket identity.

Re-exports load on first use, so the CLI can read `factory.store.statuses` without SQLAlchemy.
"""

from typing import TYPE_CHECKING

from policies.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from factory.store.appending import ChainHead, NewEvent, RunNotFoundError
    from factory.store.models import Approval, Event, Halt, PullRequest, Run, Sweep, Ticket
    from factory.store.statuses import ApprovalDecision, PullRequestStatus, RunStatus
    from factory.store.store import BlobNotFoundError, Store

_HOMES = {
    "factory.store.appending": ("ChainHead", "NewEvent", "RunNotFoundError"),
    "factory.store.models": ("Approval", "Event", "Halt", "PullRequest", "Run", "Sweep", "Ticket"),
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
    "NewEvent",
    "PullRequest",
    "PullRequestStatus",
    "Run",
    "RunNotFoundError",
    "RunStatus",
    "Store",
    "Sweep",
    "Ticket",
]

if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt name stays an error there
    __getattr__, __dir__ = lazy_exports("factory.store", _HOMES, globals())
