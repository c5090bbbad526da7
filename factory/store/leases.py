"""Run leases: which process drives a run, taken and renewed atomically in the store.

A run's lease lives on its row: the driving process's host and pid, when it took the lease,
its last heartbeat and when it expires. A lease is *live* while it has not expired and its
owner, when that is a process of this host, still exists. `LeaseRepository.acquire` takes a
run whose lease is free, expired or held by a dead process in one write transaction (`BEGIN
IMMEDIATE` on SQLite, the run row read `FOR UPDATE` elsewhere), so of two processes racing for
one run exactly one wins and the other gets `LeaseHeld` naming the winner.

A pid can be reused by an unrelated process after its owner died; such a lease is then seen
as live until it expires, never longer, because only its owner renews it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from factory.store.appending import RunNotFoundError
from factory.store.models import Run
from factory.store.sessions import SessionScopes
from factory.support.errors import FactoryError
from factory.support.utc import utcnow
from sandboxes.labels import owner_is_gone, this_process

LEASE_COLUMNS = (
    Run.lease_host,
    Run.lease_pid,
    Run.lease_since,
    Run.lease_heartbeat_at,
    Run.lease_expires_at,
)
NO_LEASE = dict.fromkeys(
    ("lease_host", "lease_pid", "lease_since", "lease_heartbeat_at", "lease_expires_at")
)


@dataclass(frozen=True)
class LeaseOwner:
    """A process that may drive runs: its host name and pid (as sandbox owner labels name it)."""

    host: str
    pid: int

    @classmethod
    def this_process(cls) -> LeaseOwner:
        return cls(*this_process())

    def is_gone(self) -> bool:
        """True when the owner is a process of this host that has exited."""
        return owner_is_gone(self.host, self.pid)

    def __str__(self) -> str:
        return f"pid {self.pid} on host {self.host}"


@dataclass(frozen=True)
class Lease:
    """A run's lease as recorded. `previous` is the stale lease this one replaced, if any."""

    run_id: str
    owner: LeaseOwner
    since: datetime
    heartbeat_at: datetime
    expires_at: datetime
    previous: Lease | None = None

    @classmethod
    def of_run(cls, run: Run) -> Lease | None:
        """The lease recorded on a run row (live or not), or None when nobody holds it."""
        return _lease(
            run.id,
            run.lease_host,
            run.lease_pid,
            run.lease_since,
            run.lease_heartbeat_at,
            run.lease_expires_at,
        )

    def is_live(self, now: datetime | None = None) -> bool:
        """Not expired, and its owner not known to be dead."""
        return self.expires_at > (now or utcnow()) and not self.owner.is_gone()

    def describe(self) -> str:
        return f"run {self.run_id} is being driven by {self.owner} since {_clock(self.since)}"


class LeaseHeld(FactoryError, RuntimeError):
    """Another live process drives the run: "run r-… is being driven by pid P on host H since T"."""

    code = "run_busy"

    def __init__(self, lease: Lease) -> None:
        super().__init__(lease.describe())
        self.lease = lease


class LeaseLost(RuntimeError):
    """The lease is no longer this owner's: it expired and another process took the run over."""


class LeaseRepository:
    """Run leases: acquired, renewed (the heartbeat), released, and read as recorded or live."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def acquire(self, run_id: str, owner: LeaseOwner, ttl_s: float) -> Lease:
        """Take the run's lease for `ttl_s` seconds, or raise LeaseHeld naming its live holder.

        Free, expired and dead-owner leases are taken (the one replaced is `previous` on the
        result); the owner's own lease is renewed, keeping its `since`.
        """
        with self._scopes.write() as session:
            current = _locked_lease(session, run_id)
            now = utcnow()
            if current is not None and current.owner != owner and current.is_live(now):
                raise LeaseHeld(current)
            mine = current is not None and current.owner == owner
            lease = Lease(
                run_id=run_id,
                owner=owner,
                since=current.since if mine and current is not None else now,
                heartbeat_at=now,
                expires_at=now + timedelta(seconds=ttl_s),
                previous=None if mine else current,
            )
            session.execute(update(Run).where(Run.id == run_id).values(**_columns(lease)))
        return lease

    def renew(self, run_id: str, owner: LeaseOwner, ttl_s: float) -> Lease:
        """The heartbeat: push the expiry out, or raise LeaseLost when the lease is not ours."""
        with self._scopes.write() as session:
            current = _locked_lease(session, run_id)
            if current is None or current.owner != owner:
                holder = f"now {current.owner}" if current is not None else "released"
                raise LeaseLost(f"the lease on run {run_id} is no longer {owner}'s ({holder})")
            now = utcnow()
            session.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(lease_heartbeat_at=now, lease_expires_at=now + timedelta(seconds=ttl_s))
            )
        return Lease(run_id, owner, current.since, now, now + timedelta(seconds=ttl_s))

    def release(self, run_id: str, owner: LeaseOwner) -> bool:
        """Give the lease up; False when `owner` did not hold it (nothing is changed then)."""
        with self._scopes.write() as session:
            result = session.execute(
                update(Run)
                .where(Run.id == run_id, Run.lease_host == owner.host, Run.lease_pid == owner.pid)
                .values(**NO_LEASE)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def of_run(self, run_id: str) -> Lease | None:
        """The run's recorded lease, live or not (None when nobody holds it)."""
        with self._scopes.read() as session:
            row = session.execute(select(*LEASE_COLUMNS).where(Run.id == run_id)).first()
        if row is None:
            raise RunNotFoundError(run_id)
        return _lease(run_id, *row)

    def live(self, run_id: str) -> Lease | None:
        """The run's lease if a live process holds it, else None (free, expired, or owner gone)."""
        lease = self.of_run(run_id)
        return lease if lease is not None and lease.is_live() else None


def _locked_lease(session: Session, run_id: str) -> Lease | None:
    row = session.execute(select(*LEASE_COLUMNS).where(Run.id == run_id).with_for_update()).first()
    if row is None:
        raise RunNotFoundError(run_id)
    return _lease(run_id, *row)


def _lease(
    run_id: str,
    host: str | None,
    pid: int | None,
    since: datetime | None,
    heartbeat_at: datetime | None,
    expires_at: datetime | None,
) -> Lease | None:
    if host is None or pid is None or expires_at is None:
        return None
    return Lease(
        run_id=run_id,
        owner=LeaseOwner(host, pid),
        since=since or expires_at,
        heartbeat_at=heartbeat_at or expires_at,
        expires_at=expires_at,
    )


def _columns(lease: Lease) -> dict[str, Any]:
    return {
        "lease_host": lease.owner.host,
        "lease_pid": lease.owner.pid,
        "lease_since": lease.since,
        "lease_heartbeat_at": lease.heartbeat_at,
        "lease_expires_at": lease.expires_at,
    }


def _clock(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
