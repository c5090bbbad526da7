"""A sweep's ticket as its run job handles it on a worker: begin it, stop it, record its end.

A sweep on workers (`sweep_jobs.py`) lives on its chain (`factory/sweep/recorded.py`):

- a job about to begin its ticket takes the sweep's row lock, and skips the ticket when the
  sweep's `--max-wall` deadline has passed or when starting it could pass the sweep budget
  (`budget.py`'s rule over what the chain says was spent and reserved); otherwise it reserves
  the ticket's per-run limit (`sweep.ticket_started`);
- a running run stops at its next node boundary once the deadline passes, resumably, as in a
  sweep driven in one process;
- a job whose ticket ended (any outcome, or skipped) records it and, if no other job of the
  sweep is waiting or running, finishes the sweep: status, totals, morning report
  (`sweep_end.py`). The row lock makes that happen once however many jobs end together.
"""

from __future__ import annotations

import json

import structlog

from factory.config import FactoryConfig
from factory.queue.sweep_end import finish_if_done
from factory.run.batch_budget import per_run_limit
from factory.run.hooks import RunHooks
from factory.store import Store
from factory.store.models import Run
from factory.store.sweeps import SweepTransaction
from factory.sweep.outcome import PickedTicket, TicketOutcome
from factory.sweep.recorded import (
    SKIPPED,
    TICKET_FINISHED,
    TICKET_STARTED,
    past_deadline,
    read_ledger,
    read_params,
    refuse_start,
)
from factory.sweep.selection import Skip, SkipReason
from factory.sweep.validation import requested_budget

log = structlog.get_logger()


class QueuedSweepTicket:
    """One run job's ticket within its sweep: begin it (or skip it), stop it, record its end."""

    def __init__(
        self,
        config: FactoryConfig,
        store: Store,
        sweep_id: str,
        pick: PickedTicket,
        run_id: str,
        job_id: int,
    ) -> None:
        self.config = config
        self.store = store
        self.sweep_id = sweep_id
        self.pick = pick
        self.run_id = run_id
        self.job_id = job_id
        found = store.sweeps.get(sweep_id)
        if found is None:
            raise KeyError(f"no sweep {sweep_id!r}")
        self.request, workers = read_params(json.loads(found.params or "{}"))
        self.deadline = workers.deadline

    def should_stop(self) -> str | None:
        """Asked by the run at every node boundary: the sweep's `--max-wall`, on the wall clock."""
        return past_deadline(self.deadline)

    def run_hooks(self) -> RunHooks:
        """What the sweep adds to its ticket's run: the deadline as its stop check, the sweep's
        id, and the runs the sweep saw (a run that appeared since means another took it)."""
        seen = self.pick.runs_seen
        return RunHooks(
            should_stop=self.should_stop,
            sweep_id=self.sweep_id,
            ticket_runs_seen=frozenset(seen) if seen is not None else None,
        )

    def begin(self) -> Skip | None:
        """Reserve the ticket's per-run limit, or skip it (recorded) when the deadline passed
        or the budget would not allow it. A ticket this job began before (a retried job) goes
        on without a second reservation."""
        limit = per_run_limit(self.config, self.pick.repo)
        skipped: Skip | None = None
        with self.store.sweeps.transaction(self.sweep_id) as sweep:
            ledger = read_ledger((kind, payload) for kind, _ts, payload in sweep.events())
            if self.run_id in ledger.begun:
                return None
            stopped = past_deadline(self.deadline)
            too_much = refuse_start(ledger, requested_budget(self.request), self.run_id, limit)
            if stopped is not None:
                skipped = self._skip(sweep, SkipReason.STOPPED, stopped)
            elif too_much is not None:
                skipped = self._skip(sweep, SkipReason.OVER_BUDGET, too_much)
            else:
                sweep.append(
                    TICKET_STARTED,
                    {
                        "identity": self.pick.identity,
                        "run_id": self.run_id,
                        "job": self.job_id,
                        "action": self.pick.action,
                        "reserved": limit.model_dump(),
                    },
                )
        if skipped is not None:
            self._finish_if_done()
        return skipped

    def _skip(self, sweep: SweepTransaction, reason: SkipReason, detail: str) -> Skip:
        skipped = Skip(
            identity=self.pick.identity,
            repo=self.pick.repo,
            title=self.pick.title,
            reason=reason,
            detail=detail,
        )
        payload = {**skipped.model_dump(mode="json"), "job": self.job_id, "run_id": self.run_id}
        sweep.append(SKIPPED, payload)
        return skipped

    def skipped(self, skipped: Skip) -> None:
        """Another process took the ticket since the sweep chose it: not this sweep's to run."""
        with self.store.sweeps.transaction(self.sweep_id) as sweep:
            self._skip(sweep, skipped.reason, skipped.detail)
        self._finish_if_done()

    def ended(self, outcome: TicketOutcome) -> None:
        """The ticket's run stopped being driven by this job: record it; maybe finish."""
        with self.store.sweeps.transaction(self.sweep_id) as sweep:
            ledger = read_ledger((kind, payload) for kind, _ts, payload in sweep.events())
            if self.run_id not in ledger.ended_runs:
                sweep.append(
                    TICKET_FINISHED,
                    {"job": self.job_id, "outcome": outcome.model_dump(mode="json")},
                )
        self._finish_if_done()

    def _finish_if_done(self) -> None:
        if finish_if_done(self.config, self.store, self.sweep_id):
            log.info("this job was the sweep's last: sweep finished", sweep_id=self.sweep_id)

    def settled(self, run: Run) -> None:
        """The job found its run already over. Begun by this sweep (a retried job whose worker
        died after the run ended): its outcome, as the run row says it. Not begun: another
        process ended it since the sweep chose it, and the ticket is skipped, as in one process.
        """
        with self.store.sweeps.transaction(self.sweep_id) as sweep:
            ledger = read_ledger((kind, payload) for kind, _ts, payload in sweep.events())
            if self.run_id not in ledger.begun:
                waits = run.status in ("waiting_approval", "needs_human")
                reason = SkipReason.WAITING_FOR_HUMAN if waits else SkipReason.DELIVERED
                self._skip(sweep, reason, f"run {run.id} is {run.status} since the sweep chose it")
        if self.run_id not in ledger.begun:
            self._finish_if_done()
            return
        self.ended(
            TicketOutcome(
                identity=self.pick.identity,
                repo=self.pick.repo,
                title=self.pick.title,
                action=self.pick.action,
                run_id=run.id,
                status=run.status,
                cost_usd=run.cost_usd,
                cost_known=not run.unpriced_calls,
                tokens=run.tokens,
                error=run.outcome if run.status == "failed" else None,
            )
        )
