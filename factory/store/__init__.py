"""The record store: runs, hash-chained events, blobs, tickets, pull requests, halts, incidents.

from factory.store import Store, RunStatus
store = Store.open(config)            # or Store("sqlite:///path.db"); migrates on open
run = store.create_run("owner/repo#12", "repo")
store.append_event(run.id, "plan.created", "planner", {"steps": 3})
"""

from factory.statuses import ApprovalDecision
from factory.store.appending import ChainHead, NewEvent, RunNotFoundError
from factory.store.incidents import IncidentNotFoundError
from factory.store.models import (
    Approval,
    Event,
    Halt,
    Incident,
    PullRequest,
    PullRequestStatus,
    Run,
    RunStatus,
    Ticket,
)
from factory.store.store import BlobNotFoundError, Store

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
    "Ticket",
]
