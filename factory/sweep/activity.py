"""What a live view hears from a sweep while it runs.

`factory sweep`'s terminal view and the demo subclass `SweepObserver`; the sweep calls it as
tickets start, create their runs, pass node boundaries, call models and tools, end or are
skipped. The base class hears nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from factory.run.state import RunState
    from factory.sweep.outcome import TicketOutcome
    from factory.sweep.selection import Pick, Skip
    from harness.events import HarnessEvent


class SweepObserver:
    """What a live view hears from a sweep. Every method may be called from worker threads."""

    def ticket_started(self, pick: Pick) -> None:
        return None

    def run_created(self, identity: str, run_id: str) -> None:
        return None

    def node(self, identity: str, node: str, phase: str, state: RunState | None) -> None:
        return None

    def activity(self, identity: str, event: HarnessEvent) -> None:
        return None

    def ticket_finished(self, outcome: TicketOutcome) -> None:
        return None

    def skipped(self, skipped: Skip) -> None:
        return None
