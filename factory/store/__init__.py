"""The record store: runs, hash-chained events, blobs, tickets, approvals, halts, leases, claims,
sweeps, incidents, pull requests and evals, one repository each behind one `Store`.

    from factory.store import Store, RunStatus
    with Store.open(config) as store:         # or Store("sqlite:///path.db"); migrates on open
        run = store.runs.create("owner/repo#12", "repo")
        store.events.append(run.id, "plan.created", "planner", {"steps": 3})

- `store`: `Store`, the one door: opens the engine once (SQLite by default, any SQLAlchemy
  URL), migrates, and holds one repository per concern as an attribute.
- `sessions`: `SessionScopes`, the read sessions and write transactions every repository gets.
- `models`: the tables; `UTCDateTime`, so every moment a repository returns is aware UTC.
- `statuses`: run, pull request and approval statuses, importable without SQLAlchemy.
- `database`: opening the database and applying the Alembic migrations (`migrations/`).
- `runs` (`store.runs`): create (claiming the ticket), get, update, add_usage, latest, of_ticket,
  of_sweep.
- `events` (`store.events`): the audit log's writes and reads: append, append_many, read,
  iterate. `appending`: extending a run's hash chain and the digest chain under the write lock.
- `chain`, `audit`, `sqlite_scan`: canonical event hashing and `factory audit verify`.
- `blobs` (`store.blobs`): content-addressed bytes, the harness's transcript sink.
- `tickets` (`store.tickets`): tickets as read, and the backlog of `factory ticket add`.
- `approvals` (`store.approvals`): a person's approve or reject, also in the run's chain.
- `halts` (`store.halts`): the kill switch; `AlreadyHalted` when a scope is halted twice.
- `leases` (`store.leases`): one live driver per run. `LeaseOwner(host, pid)` (`.this_process()`,
  the identity `sandboxes.labels` builds); `acquire(run_id, owner, ttl_s) -> Lease` takes a free,
  expired or dead-owner lease atomically or raises `LeaseHeld` ("run r-… is being driven by pid
  P on host H since T"); `renew` (the heartbeat; `LeaseLost` when taken over), `release`,
  `of_run` (as recorded), `live` (None unless a live process holds it);
  `Lease.of_run(run).is_live()` without a query.
- `claims` (`store.claims`): one open run per ticket. `claim(ticket_key, run_id)` atomically or
  `TicketClaimed` naming the open run (`.run_id`); `runs.create(..., ticket_key=K)` claims in
  the same transaction; `release`, `release_run` when a run ends, `of_ticket`. Claims of ended
  or missing runs are taken over.
- `sweeps` (`store.sweeps`): sweep records, each sweep's own chain, `transaction` (the row
  locked, so a sweep is finished once).
- `incidents` (`store.incidents`): production incidents and the change each names as cause.
- `pull_requests` (`store.pull_requests`): the local forge's pull request records.
- `pull_request_life` (`store.pull_request_life`): a factory pull request's life after it
  opened (review and CI rounds, requested changes, rebases, waits for a person, follow-up
  cost), folded from its run's `round.*`, `feedback.*`, `pull.*` and `ci.*` events.
- `spend` (`store.spend`): every model call's spend and the `[limits]` judged with it in one
  write transaction: the alerts at 80, 90 and 100% (once per window) and the halt by `limits`.
- `webhook_deliveries` (`store.webhook_deliveries`): every webhook delivery received, by id and
  body digest, so a replay is refused for good (`take`, `settle`).
- `evals` (`store.evals`): mined tasks and dropped candidates, evals, each attempt's outcome,
  `begin_attempt` (an attempt reserved under the eval's row lock, for workers).
- `retrying`: the one retry loop, for writes that lost a race on a unique key and for
  writers waiting for SQLite's write lock; `busy`: the error naming the process that holds
  the lock too long.

Adding a repository (review rounds, eval tasks, spend limits will each bring one):
1. its table in `models.py` (moments as `UTCDateTime`) and an Alembic revision in
   `migrations/versions/` that creates exactly that (a test compares the two);
2. a module named for the concern with one class, `XRepository(scopes: SessionScopes)`, reading
   in `with self._scopes.read() as session` and writing in `with self._scopes.write() as
   session`, returning model objects or plain data, never a session;
3. one attribute on `Store` (annotated in the class, built in `__init__`), and a line here.

Re-exports load on first use, so the CLI can read `factory.store.statuses` without SQLAlchemy.
"""

from typing import TYPE_CHECKING

from factory.support.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from factory.store.appending import ChainHead, NewEvent, RunNotFoundError
    from factory.store.blobs import BlobNotFoundError
    from factory.store.claims import TicketClaimed
    from factory.store.evals import EvalNotFound
    from factory.store.halts import AlreadyHalted
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
    from factory.store.store import Store

_HOMES = {
    "factory.store.appending": ("ChainHead", "NewEvent", "RunNotFoundError"),
    "factory.store.blobs": ("BlobNotFoundError",),
    "factory.store.claims": ("TicketClaimed",),
    "factory.store.evals": ("EvalNotFound",),
    "factory.store.halts": ("AlreadyHalted",),
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
    "factory.store.store": ("Store",),
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
