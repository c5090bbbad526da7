"""Spend on the dashboard: the `[limits]` banner every page carries, and each run's spend as
its row shows it (a running run's so far, since the ledger moves with every model call)."""

from __future__ import annotations

from factory.config.limits import HALT_PERCENT
from factory.governance.liveness import observed_status
from factory.store import Run, RunStatus, Store
from factory.store.spend import describe_alert


def limit_banner(store: Store) -> list[str]:
    """One line per limit at 80% or more today or this month, the highest first."""
    lines = []
    for alert in store.spend.current_alerts():
        line = describe_alert(alert)
        if alert.percent >= HALT_PERCENT:
            line += "; halted until a person lifts the halt"
        lines.append(line)
    return lines


def run_spend(run: Run) -> str:
    """Dollars when every call was priced, else the tokens and why the dollars are unknown;
    "so far" while the run is being driven."""
    if run.cost_known:
        spent = f"${run.cost_usd:.2f}"
    else:
        spent = f"{run.tokens:,} tokens (cost unknown: {run.unpriced_calls} unpriced calls)"
    return spent + (" so far" if observed_status(run) == RunStatus.RUNNING else "")
