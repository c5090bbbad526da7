"""One open run per ticket: the claim in the store, and on the forge the open factory PR.

The store's claim (`store.runs.create(..., ticket_key=...)`) stops a second run of a ticket
while its run is open. Once that run has opened its pull request and ended (`pr_open`), the
pull request itself is the ticket's open work: it is found on the forge (the local forge or
GitHub) before a run starts, so the ticket does not get a second branch and a second PR. A
ticket may also have been worked on from another machine or database: an open pull request
from a `factory/<ticket-key>-...` branch no run of this store made, or (GitHub) one whose
body closes the issue, counts too. The sweep asks the same question (`pull_request_of_ticket`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable

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


def pull_request_of_ticket(
    pulls: Iterable[PullRequestInfo],
    ticket: Ticket,
    mine: Collection[str],
    others: Collection[str] = (),
) -> PullRequestInfo | None:
    """The pull request among `pulls` that is the ticket's: from a branch of one of its runs
    (`mine`); else, when no other ticket's run made the branch (`others`), from the factory's
    `factory/<ticket-key>-...` branch or, for a GitHub issue, closing it in its body."""
    prefix = branch_name(ticket.key, "")  # `factory/<key>`, the start of every run's branch
    closing = closing_reference(ticket)
    for pull in pulls:
        head = pull.head_branch
        if head in mine:
            return pull
        if head in others:
            continue
        if head == prefix or head.startswith(prefix + "-"):
            return pull
        if closing is not None and closing.search(pull.body or ""):
            return pull
    return None


def closing_reference(ticket: Ticket) -> re.Pattern[str] | None:
    """`Closes #12` / `fixes owner/name#12` / the factory's own `Closes owner/name#12.`."""
    if ticket.source != "github":
        return None
    repo, _, number = ticket.ref.rpartition("#")
    keywords = r"(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)"
    return re.compile(
        rf"\b{keywords}:?\s+(?:{re.escape(repo)})?#{re.escape(number)}\b", re.IGNORECASE
    )


def open_factory_pull_request(
    forge: Forge, store: Store, repo: str, ticket: Ticket
) -> PullRequestInfo | None:
    """The ticket's open pull request on the forge, if it has one (see the module's doc)."""
    mine = {run.branch for run in store.runs.of_ticket(claim_key(repo, ticket)) if run.branch}
    others = {run.branch for run in store.runs.latest(repo=repo, limit=100_000) if run.branch}
    return pull_request_of_ticket(forge.open_pull_requests(), ticket, mine, others - mine)


def open_pull_refusal(store: Store, repo: str, ticket: Ticket, pull: PullRequestInfo) -> str:
    """Why a second plain run of the ticket is refused: the open pull request, its run, where
    to see it, and what to do."""
    holder = run_of_branch(store, repo, pull.head_branch)
    where = pull.url if pull.forge == "github" and pull.url else f"`factory pr show {pull.number}`"
    return (
        f"ticket {ticket.ref} already has an open pull request from the factory, "
        f"#{pull.number} (branch {pull.head_branch}"
        + (f", run {holder}" if holder else "")
        + f"; {where}): review, merge or close it, "
        "or pass --force-new to start a second run on purpose"
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
