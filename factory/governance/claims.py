"""One open run per ticket: the claim in the store, and on the forge the open factory PR.

The store's claim (`store.runs.create(..., ticket_key=...)`) stops a second run of a ticket
this factory knows about. A GitHub ticket may also have been worked on from another machine
or database: its open pull request from a `factory/<ticket>-...` branch is found on the forge
before a run starts, so the ticket does not get a second branch and a second PR.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from factory.config import RepoConfig
from factory.forges.base import Forge, PullRequestInfo
from factory.git import branch_name
from factory.store import OPEN_RUN_STATUSES, Store
from factory.tickets.identity import ticket_identity
from factory.tickets.model import Ticket

CLAIM_KEY_FIELD = "claim_key"
"""Where `run.started` records the key its run claimed, so a resume can claim it again."""


def claim_key(repo: str, ticket: Ticket) -> str:
    """The ticket's stable identity (factory/tickets/identity.py): `owner/name#12` for a GitHub
    issue, `<repo>:<title-slug>` for a Markdown ticket, whichever source read it."""
    return ticket_identity(repo, ticket)


def open_factory_pull_request(forge: Forge, ticket: Ticket) -> PullRequestInfo | None:
    """The open pull request from a factory branch of this ticket, if the forge has one."""
    prefix = branch_name(ticket.key, "")  # `factory/<key>`, the start of every run's branch
    for pull in forge.open_pull_requests():
        if pull.head_branch == prefix or pull.head_branch.startswith(prefix + "-"):
            return pull
    return None


def open_pull_on_github(
    repo: RepoConfig, ticket: Ticket, forge: Callable[[], Forge]
) -> PullRequestInfo | None:
    """A GitHub ticket's open PR from a factory branch, found on the forge itself. `forge`
    builds the repository's forge, asked for only when the ticket and repository are GitHub's."""
    if ticket.source != "github" or repo.github is None:
        return None
    return open_factory_pull_request(forge(), ticket)


def open_pull_refusal(store: Store, repo: str, ticket: Ticket, pull: PullRequestInfo) -> str:
    """Why a run of the ticket does not start while its factory PR is open, and what to do."""
    holder = run_of_branch(store, repo, pull.head_branch)
    return (
        f"ticket {ticket.ref} already has an open pull request from the factory, "
        f"#{pull.number} (branch {pull.head_branch}"
        + (f", run {holder})" if holder else ")")
        + "; review or close it, or pass --force-new to start a second run on purpose"
    )


def forced_new_note(store: Store, key: str, open_pull: PullRequestInfo | None) -> str:
    """What `--force-new` did, in words: which open run or pull request the new run sits beside."""
    others = []
    open_run = open_run_of(store, key)
    if open_run is not None:
        others.append(f"run {open_run} is still open")
    if open_pull is not None:
        others.append(f"pull request #{open_pull.number} is still open")
    if not others:
        return "--force-new: the ticket had no other open run; this is its only one"
    return (
        "--force-new: started a second run of this ticket on purpose; "
        + " and ".join(others)
        + ", and nothing was closed"
    )


def run_of_branch(store: Store, repo: str, branch: str) -> str | None:
    """The run (of this store) that made `branch`, if any."""
    for run in store.runs.latest(repo=repo, limit=10_000):
        if run.branch == branch:
            return run.id
    return None


def open_run_of(store: Store, key: str) -> str | None:
    """The run holding the ticket's claim while that run is still open."""
    claim = store.claims.of_ticket(key)
    if claim is None:
        return None
    run = store.runs.find(claim.run_id)
    return run.id if run is not None and run.status in OPEN_RUN_STATUSES else None


def recorded_claim_key(store: Store, run_id: str) -> str | None:
    """The claim key the run took when it started (None for runs from before claims)."""
    for event in store.events.read(run_id):
        if event.kind == "run.started":
            value = json.loads(event.payload).get(CLAIM_KEY_FIELD)
            return str(value) if value else None
    return None
