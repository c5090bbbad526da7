"""How a run looks on a terminal: a live line per node while it works, a summary at the end."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from rich.console import Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from factory.cli.activity import activity_line
from factory.cli.output import console as make_console
from factory.support.wording import plural

if TYPE_CHECKING:
    from factory.run.hooks import RunHooks
    from factory.run.runner import RunSummary
    from factory.run.state import RunState
    from harness.events import HarnessEvent

console = make_console(stderr=True)
NODES = ("intake", "plan", "code", "test", "review", "gate", "deliver", "await_approval")


class LiveView:
    """A Rich view that follows the graph: each node's status, which agent works and its latest
    action (`coder · edit numerals/roman.py`), elapsed time, tokens and dollars as they change.

    The footer is one line that never wraps (it is cut with an ellipsis on narrow terminals).
    """

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled and console.is_terminal
        self.rows: dict[str, tuple[str, float]] = {}
        self.state: RunState | None = None
        self.action = ""
        self.model_calls = 0
        self.tokens = 0
        self.cost_usd = 0.0
        self.cost_known = True
        self._began = time.perf_counter()
        self._lock = threading.Lock()
        self._live: Live | None = None

    def __enter__(self) -> Self:
        if self.enabled:
            self._live = Live(get_renderable=self._render, console=console, refresh_per_second=4)
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

    def hooks(self) -> RunHooks:
        """The run hooks that feed this view the agents' activity."""
        from factory.run.hooks import RunHooks

        return RunHooks(on_activity=self.activity)

    def observe(self, node: str, phase: str, state: RunState | None) -> None:
        with self._lock:
            self.state = state
            if state is not None:
                self.model_calls, self.tokens = state.model_calls, state.tokens
                self.cost_usd = state.cost_usd
            started = self.rows.get(node, ("", time.perf_counter()))[1]
            if phase == "started":
                self.rows[node] = ("working", time.perf_counter())
            else:
                self.rows[node] = (f"done in {time.perf_counter() - started:.1f}s", started)

    def activity(self, event: HarnessEvent) -> None:
        with self._lock:
            line = activity_line(event)
            if line is not None:
                self.action = line
            if event.kind == "model.call":
                self.model_calls += 1
                self.tokens += (
                    (event.input_tokens or 0)
                    + (event.output_tokens or 0)
                    + (event.cache_read_tokens or 0)
                    + (event.cache_write_tokens or 0)
                )
                if event.cost_usd is None:
                    self.cost_known = False
                self.cost_usd += event.cost_usd or 0.0

    def footer(self) -> str:
        """`iteration 1 · 4 model calls · 12034 tokens · $0.0312 · 41s` (`+` when unpriced)."""
        iteration = self.state.iteration if self.state is not None else 0
        unknown = "" if self.cost_known else "+ (a model without a price)"
        return (
            f"iteration {iteration} · {self.model_calls} model calls · {self.tokens} tokens · "
            f"${self.cost_usd:.4f}{unknown} · {time.perf_counter() - self._began:.0f}s"
        )

    def _render(self) -> Group:
        with self._lock:
            table = Table(title="agent-factory run", expand=False)
            table.add_column("node", no_wrap=True)
            table.add_column("status", no_wrap=True)
            for node in NODES:
                status, started = self.rows.get(node, ("", 0.0))
                if status == "working":
                    status = f"working {time.perf_counter() - started:.0f}s"
                if status:
                    table.add_row(node, status)
            lines: list[RenderableType] = [table]
            if self.action:
                lines.append(Text(self.action, no_wrap=True, overflow="ellipsis"))
            lines.append(Text(self.footer(), no_wrap=True, overflow="ellipsis"))
        return Group(*lines)


def summary_json(summary: RunSummary) -> dict[str, Any]:
    state = summary.state
    decision = state.decision
    return {
        "run_id": summary.run_id,
        "status": summary.status.value,
        "exit_code": summary.exit_code,
        "branch": state.branch,
        "pull_request": {"number": state.pr_number, "url": state.pr_url}
        if state.pr_number
        else None,
        "merged_sha": state.merged_sha,
        "decision": decision.model_dump(mode="json") if decision else None,
        "waiting_for": summary.waiting_for,
        "iterations": state.iteration,
        "tests": state.last_test_report.summary_text() if state.last_test_report else None,
        "review": state.review.verdict if state.review else None,
        "model_calls": state.model_calls,
        "tokens": state.tokens,
        "cost_usd": state.cost_usd if state.cost_known else None,
        "unpriced_calls": state.unpriced_calls,
        "error": state.error,
        "wall_s": state.wall_s,
        "node_seconds": {k: round(v, 4) for k, v in summary.node_seconds.items()},
        "sandbox_seconds": round(summary.sandbox_seconds, 4),
        "reaped_sandboxes": summary.reaped_sandboxes,
        "notes": summary.notes,
    }


def render_summary(summary: RunSummary) -> None:
    out = make_console(soft_wrap=True)  # commands and paths stay whole when piped
    state = summary.state
    out.print(Text.assemble((f"run {summary.run_id}", "bold"), f": {summary.status.value}"))
    if summary.reaped_sandboxes:
        out.print(
            f"  removed {plural(summary.reaped_sandboxes, 'sandbox container')} left by dead "
            "processes"
        )
    for note in summary.notes:
        out.print(f"  note     {note}")
    out.print(f"  branch   {state.branch}")
    if state.pr_number:
        out.print(f"  pull request #{state.pr_number}  {state.pr_url or ''}")
    if state.last_test_report is not None:
        out.print(f"  tests    {state.last_test_report.summary_text()}")
    if state.review is not None:
        out.print(f"  review   {state.review.verdict}: {state.review.summary}")
    if state.decision is not None:
        decision = state.decision
        out.print(f"  decision {decision.decision.value} at {decision.level.value}")
        for reason in decision.reasons:
            out.print(f"    - {reason}")
    if state.error:
        out.print(Text.assemble("  ", (state.error, "yellow")))
    out.print(f"  {state.cost_text()}  ({state.tokens} tokens, {state.model_calls} model calls)")
    if summary.waiting_for is not None:
        out.print(
            f"  waiting for approval: `factory approve {summary.run_id}` or "
            f"`factory reject {summary.run_id} --reason ...`"
        )
