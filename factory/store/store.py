"""`Store`: the one door to the factory's records, with one repository per concern behind it.

Objects returned are detached snapshots: read them freely, change records only through a
repository's methods. Every datetime they carry is aware, in UTC (`models.UTCDateTime`).
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from factory.config import FactoryConfig
from factory.store.approvals import ApprovalRepository
from factory.store.blobs import BlobRepository
from factory.store.claims import ClaimRepository
from factory.store.database import (
    DEFAULT_BUSY_TIMEOUT_S,
    connection_failure,
    make_engine,
    migrate,
)
from factory.store.evals import EvalRepository
from factory.store.events import EventRepository
from factory.store.halts import HaltRepository
from factory.store.incidents import IncidentRepository
from factory.store.leases import LeaseRepository
from factory.store.pull_feedback import FeedbackSeenRepository, PullRequestCommentRepository
from factory.store.pull_requests import PullRequestRepository
from factory.store.runs import RunRepository
from factory.store.sessions import SessionScopes
from factory.store.spend import SpendLedger
from factory.store.sweeps import SweepRepository
from factory.store.tickets import TicketRepository
from factory.store.webhook_deliveries import WebhookDeliveryRepository


class Store:
    """The record store. `Store(url)` opens any SQLAlchemy URL and migrates it to head.

    Open it once per process (or per job) and reach the records through its repositories,
    e.g. `store.runs.get(run_id)`, `store.events.append(run_id, kind, actor, payload)`.
    """

    runs: RunRepository
    events: EventRepository
    """The audit log: append to a run's hash chain, read it, stream it."""
    blobs: BlobRepository
    tickets: TicketRepository
    approvals: ApprovalRepository
    halts: HaltRepository
    leases: LeaseRepository
    claims: ClaimRepository
    sweeps: SweepRepository
    incidents: IncidentRepository
    spend: SpendLedger
    """Every model call's spend and the alerts raised against `[limits]`."""
    pull_requests: PullRequestRepository
    pull_request_comments: PullRequestCommentRepository
    """Comments and reviews people made on the local forge's pull requests."""
    feedback_seen: FeedbackSeenRepository
    """Feedback items seen on pull requests, each acted on once."""
    webhook_deliveries: WebhookDeliveryRepository
    """Every webhook delivery received, so a replayed one is refused for good."""
    evals: EvalRepository
    """Mined tasks, evals and their attempts (docs/eval.md)."""

    def __init__(
        self,
        url: str,
        *,
        apply_migrations: bool = True,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
    ) -> None:
        self.url = url
        self.engine: Engine = make_engine(url, busy_timeout_s=busy_timeout_s)
        if apply_migrations:
            try:
                migrate(self.engine)
            except OperationalError as exc:
                self.engine.dispose()
                if self.engine.dialect.name == "sqlite":
                    raise  # a file's trouble (disk full, permissions) is named by the CLI
                raise connection_failure(url, exc) from exc
        scopes = SessionScopes(self.engine)
        self.runs = RunRepository(scopes)
        self.events = EventRepository(scopes)
        self.blobs = BlobRepository(scopes)
        self.tickets = TicketRepository(scopes)
        self.approvals = ApprovalRepository(scopes)
        self.halts = HaltRepository(scopes)
        self.leases = LeaseRepository(scopes)
        self.claims = ClaimRepository(scopes)
        self.sweeps = SweepRepository(scopes, self.events)
        self.incidents = IncidentRepository(scopes)
        self.spend = SpendLedger(scopes.read, scopes.write)
        self.pull_requests = PullRequestRepository(scopes)
        self.pull_request_comments = self.pull_requests.comments
        self.feedback_seen = FeedbackSeenRepository(scopes)
        self.webhook_deliveries = WebhookDeliveryRepository(scopes)
        self.evals = EvalRepository(scopes)

    @classmethod
    def open(cls, config: FactoryConfig) -> Store:
        """The store the configuration names (`[factory] database_url` or the data dir)."""
        return cls(config.database_url, busy_timeout_s=config.factory.busy_timeout_s)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
