"""One live driver per run: holding a run's lease while driving it, and reading liveness back.

`DriverLease` takes the run's lease in the store (refusing with `LeaseHeld` when a live
process holds it), renews it from a background thread every third of its time to live, and
gives it back when the driver stops. Should the heartbeat find the lease taken over (this
process stalled past its expiry and another took the run), `check()` raises `LeaseLost` at
the next node boundary, so two processes never drive one run at once for longer than a node.

`observed_status` is what a run's status truly is now: a run recorded as `running` whose
lease is not live has no driver, and is shown as `interrupted` (resumable), never running.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self

import structlog

from factory.store import Lease, LeaseLost, LeaseOwner, Run, RunStatus, Store
from factory.support import failpoints

log = structlog.get_logger()


class DriverLease:
    """This process's lease on one run, kept alive by a heartbeat while the `with` lasts."""

    def __init__(
        self, store: Store, run_id: str, ttl_s: float, owner: LeaseOwner | None = None
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.ttl_s = ttl_s
        self.owner = owner or LeaseOwner.this_process()
        self.lease: Lease | None = None
        self._lost: LeaseLost | None = None
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def __enter__(self) -> Self:
        self.lease = self.store.leases.acquire(self.run_id, self.owner, self.ttl_s)
        self._beat = threading.Thread(
            target=self._heartbeat, name=f"lease-{self.run_id}", daemon=True
        )
        self._beat.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join()
        if self._lost is None:
            self.store.leases.release(self.run_id, self.owner)

    @property
    def took_over(self) -> Lease | None:
        """The stale lease this one replaced (a dead or expired driver), if any."""
        return self.lease.previous if self.lease is not None else None

    def check(self) -> None:
        """Renew now, or raise LeaseLost if another process has taken the run over meanwhile.

        Called at every node boundary: a driver that was frozen past its expiry finds out
        here, before its next step, rather than whenever its heartbeat next wakes up.
        """
        if self._lost is not None:
            raise self._lost
        try:
            self.store.leases.renew(self.run_id, self.owner, self.ttl_s)
        except LeaseLost as lost:
            self._lost = lost
            raise

    def still_held(self) -> bool:
        """Whether this process still holds the lease (renewing it if so)."""
        try:
            self.check()
        except LeaseLost:
            return False
        return True

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            try:
                with failpoints.QUIET:
                    self.store.leases.renew(self.run_id, self.owner, self.ttl_s)
            except LeaseLost as lost:
                log.warning("run lease lost", run_id=self.run_id, reason=str(lost))
                self._lost = lost
                return
            except Exception as error:  # a busy database: try again on the next beat
                log.warning("run lease renewal failed", run_id=self.run_id, error=str(error))


def observed_status(run: Run) -> RunStatus:
    """The run's status as it is now: `running` only while a live process drives it."""
    status = RunStatus(run.status)
    if status != RunStatus.RUNNING:
        return status
    lease = Lease.of_run(run)
    return status if lease is not None and lease.is_live() else RunStatus.INTERRUPTED


def driver_of(run: Run) -> str | None:
    """Who drives the run, in words, while a live process does; None otherwise."""
    lease = Lease.of_run(run)
    if lease is None or not lease.is_live():
        return None
    return lease.describe().removeprefix(f"run {run.id} is ")


def list_observed_runs(
    store: Store, status: RunStatus | str | None = None, repo: str | None = None, limit: int = 50
) -> list[tuple[Run, RunStatus]]:
    """Runs newest first with their observed status; `running`/`interrupted` split on the lease."""
    wanted = RunStatus(status) if status is not None else None
    stored = RunStatus.RUNNING if wanted == RunStatus.INTERRUPTED else wanted
    runs = store.runs.latest(status=stored, repo=repo, limit=limit)
    observed = [(run, observed_status(run)) for run in runs]
    return [pair for pair in observed if wanted is None or pair[1] == wanted]
