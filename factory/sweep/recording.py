"""What an in-process sweep writes: its row, its chain, and its end with the morning report.

The `sweeps` row keeps the request and, at the end, the report and totals; the sweep's own
audit chain holds `sweep.started` (what was considered and chosen) and one `sweep.skipped` per
ticket not started, with its reason, whether selection skipped it or the sweep did later.
"""

from __future__ import annotations

from factory.store import Store
from factory.sweep.outcome import SweepRequest, SweepResult
from factory.sweep.report import build_report
from factory.sweep.selection import Selection, Skip


def record_started(
    store: Store, request: SweepRequest, repos: list[str], considered: int, selection: Selection
) -> str:
    """The sweep's row and `sweep.started`, then selection's skips; the new sweep's id."""
    sweep = store.sweeps.create(request.model_dump(mode="json"))
    store.sweeps.record_event(
        sweep.id,
        "sweep.started",
        {
            "request": request.model_dump(mode="json"),
            "repos": repos,
            "considered": considered,
            "selected": [pick.item.identity for pick in selection.picks],
        },
    )
    for skipped in selection.skips:
        record_skip(store, sweep.id, skipped)
    return sweep.id


def record_skip(store: Store, sweep_id: str, skipped: Skip) -> None:
    store.sweeps.record_event(sweep_id, "sweep.skipped", skipped.model_dump(mode="json"))


def record_finished(store: Store, sweep_id: str, result: SweepResult) -> None:
    """The morning report and totals on the sweep's row; `stopped` if it was stopped."""
    report = build_report(result)
    status = "stopped" if result.stopped else "finished"
    store.sweeps.finish(sweep_id, status, report.model_dump(mode="json"), report.totals())
