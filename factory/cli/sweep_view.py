"""How a sweep looks on a terminal: a row per active ticket, totals underneath."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Self

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from factory.cli.activity import activity_line
from factory.cli.output import console as make_console
from factory.sweep.driver import SweepObserver

if TYPE_CHECKING:
    from factory.run.state import RunState
    from factory.sweep.outcome import TicketOutcome
    from factory.sweep.selection import Pick, Skip
    from harness.events import HarnessEvent

console = make_console(stderr=True)


class _Row:
    def __init__(self, repo: str, ticket: str) -> None:
        self.repo = repo
        self.ticket = ticket
        self.run_id = ""
        self.node = "waiting"
        self.iteration = 0
        self.action = ""
        self.cost = 0.0
        self.tokens = 0
        self.began = time.monotonic()


class SweepView(SweepObserver):
    """A Rich Live view fed from the sweep's worker threads (every update takes the lock)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled and console.is_terminal
        self._lock = threading.Lock()
        self._rows: dict[str, _Row] = {}
        self._done = 0
        self._skipped = 0
        self._spent = 0.0
        self._finished: list[str] = []
        self._live: Live | None = None
        self._began = time.monotonic()

    def __enter__(self) -> Self:
        if self.enabled:
            self._live = Live(
                get_renderable=self._render, console=console, refresh_per_second=4, transient=False
            )
            self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.__exit__(exc_type, exc, tb)

    def announce(self, line: str) -> None:
        console.print(Text(line, style="yellow"))

    def ticket_started(self, pick: Pick) -> None:
        with self._lock:
            self._rows[pick.item.identity] = _Row(pick.item.repo, pick.item.identity)

    def run_created(self, identity: str, run_id: str) -> None:
        with self._lock:
            if identity in self._rows:
                self._rows[identity].run_id = run_id

    def node(self, identity: str, node: str, phase: str, state: RunState | None) -> None:
        with self._lock:
            row = self._rows.get(identity)
            if row is None:
                return
            row.node = node if phase == "started" else f"{node} done"
            if state is not None:
                row.iteration = state.iteration
                row.cost = state.cost_usd
                row.tokens = state.tokens

    def activity(self, identity: str, event: HarnessEvent) -> None:
        with self._lock:
            row = self._rows.get(identity)
            if row is None:
                return
            line = activity_line(event)
            if line is not None:
                row.action = line
            if event.kind == "model.call":
                row.cost += event.cost_usd or 0.0
                row.tokens += (event.input_tokens or 0) + (event.output_tokens or 0)

    def ticket_finished(self, outcome: TicketOutcome) -> None:
        with self._lock:
            self._rows.pop(outcome.identity, None)
            self._done += 1
            self._spent += outcome.cost_usd
            pr = f" PR #{outcome.pr_number}" if outcome.pr_number else ""
            self._finished.append(f"{outcome.identity}: {outcome.status}{pr}")
        if self._live is None and console.is_terminal:
            console.print(f"{outcome.identity}: {outcome.status}")

    def skipped(self, skipped: Skip) -> None:
        with self._lock:
            self._skipped += 1

    def _render(self) -> Group:
        with self._lock:
            table = Table(title="agent-factory sweep", expand=False)
            for column in ("repo", "ticket", "run", "node", "iter", "latest action"):
                table.add_column(column, no_wrap=column in ("run", "node", "iter"))
            table.add_column("elapsed", justify="right", no_wrap=True)
            table.add_column("tokens", justify="right", no_wrap=True)
            table.add_column("cost", justify="right", no_wrap=True)
            now = time.monotonic()
            for row in self._rows.values():
                table.add_row(
                    row.repo,
                    row.ticket,
                    row.run_id,
                    row.node,
                    str(row.iteration),
                    row.action,
                    f"{now - row.began:.0f}s",
                    str(row.tokens),
                    f"${row.cost:.4f}",
                )
            totals = Text(
                f"active {len(self._rows)} · finished {self._done} · skipped {self._skipped} · "
                f"spent ${self._spent:.4f} · {now - self._began:.0f}s",
                no_wrap=True,
                overflow="ellipsis",
            )
            recent = [Text(line, no_wrap=True, overflow="ellipsis") for line in self._finished[-5:]]
        return Group(table, totals, *recent)
