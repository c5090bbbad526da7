"""The sweep: select the backlog, then drive up to K tickets at once, each its own run.

One process, a bounded thread pool. Each ticket is one run through the ordinary runner
(`start_run`, or `resume_run` for an interrupted one), which takes the run's lease and the
ticket's claim in the store: two sweeps racing for one ticket cannot both run it, the loser
reports it as in progress. Before each start the sweep checks the stop signal, `--max-wall`,
`--limit` and the sweep budget (`admission.py`), and records every ticket it does not start,
with its reason, as a `sweep.skipped` event on the sweep's own audit chain (`recording.py`).

`run_sweep` is the whole of it, in order: the request checked (`validation.py`), the backlog
selected (`backlog_selection.py`), then either the dry run's plan or the sweep recorded, its
tickets driven (`execution.py`) and its end recorded with the morning report.
"""

from __future__ import annotations

from datetime import UTC, datetime

from factory.config import FactoryConfig
from factory.store import Store
from factory.support.stopping import StopSignal
from factory.sweep.activity import SweepObserver
from factory.sweep.admission import SweepAdmission, plan_dry_run
from factory.sweep.backlog_selection import select_backlog
from factory.sweep.execution import SweepExecution
from factory.sweep.maintained import pulls_maintained
from factory.sweep.outcome import SweepRequest, SweepResult
from factory.sweep.recording import record_finished, record_started
from factory.sweep.report import spend_alert_lines
from factory.sweep.validation import (
    SweepError,
    check_request,
    enforceable_budget,
    require_sandbox,
)

__all__ = ["SweepError", "SweepObserver", "run_sweep"]


def run_sweep(
    config: FactoryConfig,
    store: Store,
    request: SweepRequest,
    *,
    observer: SweepObserver | None = None,
    stop: StopSignal | None = None,
) -> SweepResult:
    """Sweep the backlog (or, with `dry_run`, only say what a sweep would do)."""
    started = datetime.now(UTC)
    repos = check_request(config, request)
    budget = enforceable_budget(config, request)
    backlog, problems, selection = select_backlog(config, store, repos, request)
    concurrency = request.concurrency or config.sweep.concurrency
    considered = len(backlog) + len(problems)
    if request.dry_run:
        planned, later = plan_dry_run(config, request, budget, selection.picks)
        return SweepResult(
            sweep_id=None,
            dry_run=True,
            request=request,
            started_at=started,
            finished_at=datetime.now(UTC),
            considered=considered,
            planned=planned,
            skips=[*selection.skips, *later],
            problems=problems,
            concurrency=concurrency,
        )
    if selection.picks:
        require_sandbox(config)
    sweep_id = record_started(store, request, repos, len(backlog), selection)
    observer = observer or SweepObserver()
    admission = SweepAdmission(config, request, budget, stop or StopSignal())
    execution = SweepExecution(config, store, request, sweep_id, admission, concurrency, observer)
    for skipped in selection.skips:
        observer.skipped(skipped)
    outcomes, later, stopped = execution.drive(selection.picks)
    result = SweepResult(
        sweep_id=sweep_id,
        dry_run=False,
        request=request,
        started_at=started,
        finished_at=datetime.now(UTC),
        considered=considered,
        outcomes=outcomes,
        skips=[*selection.skips, *later],
        problems=problems,
        stopped=stopped,
        concurrency=concurrency,
        spend_alerts=spend_alert_lines(store, started),
        pulls_maintained=pulls_maintained(store, started),
    )
    record_finished(store, sweep_id, result)
    return result
