"""Feeding the sweep's thread pool: up to K tickets at once, each one ordinary run.

The main thread starts tickets while there is room and `SweepAdmission` allows it, collects
each ticket's outcome as it ends, and on a stop signal lets running tickets drain (they stop
at their next node boundary, resumably) for the grace period before stopping at once. Each
ticket runs in a worker thread through `start_run`, or `resume_run` for an interrupted run,
with the sweep's `RunHooks`: its stop check, the live view's callbacks and the warm pool.
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack

import structlog

from factory.config import FactoryConfig
from factory.run.batch_budget import Spend
from factory.run.hooks import RunHooks
from factory.run.run_context import NodeObserver
from factory.run.runner import RunError, resume_run, start_run
from factory.run.setup import RunOptions
from factory.store import Store
from factory.store.database import installation_id
from factory.sweep.activity import SweepObserver
from factory.sweep.admission import Refusal, SweepAdmission
from factory.sweep.cassettes import cassette_for
from factory.sweep.outcome import SweepRequest, TicketOutcome
from factory.sweep.recording import record_skip
from factory.sweep.run_outcomes import failed_outcome, lost_race, picked, run_outcome
from factory.sweep.selection import Pick, Skip, skip
from sandboxes.pool import WarmPool

log = structlog.get_logger()
POLL_S = 0.25

Running = dict[Future[TicketOutcome | Skip], Pick]


class SweepExecution:
    """One sweep's drive: the pool, the tickets in flight, and what each one came to."""

    def __init__(
        self,
        config: FactoryConfig,
        store: Store,
        request: SweepRequest,
        sweep_id: str,
        admission: SweepAdmission,
        concurrency: int,
        observer: SweepObserver,
    ) -> None:
        self.config = config
        self.store = store
        self.request = request
        self.sweep_id = sweep_id
        self.admission = admission
        self.stop = admission.stop
        self.concurrency = concurrency
        self.observer = observer
        self._pool: WarmPool | None = None

    def drive(self, picks: list[Pick]) -> tuple[list[TicketOutcome], list[Skip], str | None]:
        """Every pick started or skipped; the outcomes, the later skips, and why it stopped."""
        pending = deque(picks)
        running: Running = {}
        outcomes: list[TicketOutcome] = []
        later: list[Skip] = []
        grace_until: float | None = None
        with ExitStack() as stack:
            if picks and self.config.sandbox.warm_pool_size > 0:
                size = min(self.config.sandbox.warm_pool_size, self.concurrency)
                installation = installation_id(self.config.database_url)
                self._pool = stack.enter_context(
                    WarmPool(self.config.sandbox, size=size, installation=installation)
                )
            workers = stack.enter_context(
                ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="sweep")
            )
            while pending or running:
                later += self._start_next(pending, running, workers)
                if not running:
                    continue
                done, _ = wait(running, timeout=POLL_S, return_when=FIRST_COMPLETED)
                for future in done:
                    pick = running.pop(future)
                    self._collect(pick, future.result(), outcomes, later)
                grace_until = self._drain(running, grace_until)
        stopped = self.stop.reason if self.stop.requested else self.admission.should_stop()
        return outcomes, later, stopped

    def _start_next(self, pending: deque[Pick], running: Running, workers: Executor) -> list[Skip]:
        """Start tickets while there is room; once one is refused, every pending one is skipped."""
        while pending and len(running) < self.concurrency:
            refusal = self.admission.refusal(pending[0])
            if refusal is not None:
                return self._skip_all(pending, refusal)
            pick = pending.popleft()
            self.admission.reserve(pick)
            self.observer.ticket_started(pick)
            running[workers.submit(self._work, pick)] = pick
        return []

    def _collect(
        self,
        pick: Pick,
        ended: TicketOutcome | Skip,
        outcomes: list[TicketOutcome],
        later: list[Skip],
    ) -> None:
        if isinstance(ended, Skip):
            # Another process got there first (its claim or lease): not ours to run.
            self.admission.settle(pick, None)
            self._record_skip(ended)
            later.append(ended)
            return
        self.admission.settle(pick, Spend(usd=ended.cost_usd, tokens=ended.tokens))
        outcomes.append(ended)
        self.observer.ticket_finished(ended)

    def _drain(self, running: Running, grace_until: float | None) -> float | None:
        """After a stop signal, the time running tickets have left before stopping at once."""
        if not (self.stop.requested and running):
            return grace_until
        grace = self.request.grace_s or self.config.sweep.stop_grace_s
        grace_until = grace_until or time.monotonic() + grace
        if time.monotonic() > grace_until:
            log.warning("sweep grace period over; stopping at once", grace_s=grace)
            self.stop.abort()
        return grace_until

    def _skip_all(self, pending: deque[Pick], refusal: Refusal) -> list[Skip]:
        reason, detail = refusal
        skipped = [skip(pick.item, reason, detail) for pick in pending]
        pending.clear()
        for entry in skipped:
            self._record_skip(entry)
        return skipped

    def _record_skip(self, entry: Skip) -> None:
        record_skip(self.store, self.sweep_id, entry)
        self.observer.skipped(entry)

    def _work(self, pick: Pick) -> TicketOutcome | Skip:
        """One ticket, in a worker thread: its run started or resumed, and what it came to."""
        item = pick.item
        began = time.perf_counter()
        run_ids: list[str] = [pick.run_id] if pick.run_id else []

        def created(run_id: str) -> None:
            run_ids.append(run_id)
            self.observer.run_created(item.identity, run_id)

        hooks = RunHooks(
            should_stop=self.admission.should_stop,
            on_activity=lambda event: self.observer.activity(item.identity, event),
            pool=self._pool,
            ticket=item.ticket,
            sweep_id=self.sweep_id,
            ticket_runs_seen=pick.runs_seen,
            on_run_created=created,
        )
        node_observer: NodeObserver = lambda node, phase, state: self.observer.node(  # noqa: E731
            item.identity, node, phase, state
        )
        try:
            replay = cassette_for(self.request.replay_dir, item.ticket.key)
            options = RunOptions(repo=item.repo, replay=replay)
            if pick.action == "resume" and pick.run_id is not None:
                self.observer.run_created(item.identity, pick.run_id)
                summary = resume_run(
                    self.config, self.store, pick.run_id, None, node_observer, hooks
                )
            else:
                summary = start_run(
                    self.config, self.store, item.ticket.ref, options, node_observer, hooks
                )
        except Exception as error:  # one ticket's failure must not end the sweep
            raced = lost_race(picked(pick), error) if isinstance(error, RunError) else None
            if raced is not None:
                return raced
            log.warning("sweep ticket failed", ticket=item.identity, error=str(error))
            seconds = time.perf_counter() - began
            run_id = run_ids[-1] if run_ids else None
            return failed_outcome(self.store, picked(pick), run_id, error, seconds)
        return run_outcome(self.store, picked(pick), summary, time.perf_counter() - began)
