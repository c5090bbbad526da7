"""The sweep's live view: a row per active ticket with its node, latest action and cost."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from factory.cli.sweep_view import SweepView
from factory.sweep.backlog import BacklogTicket
from factory.sweep.outcome import TicketOutcome
from factory.sweep.selection import Pick
from factory.tickets.model import Ticket
from harness.events import HarnessEvent


def pick(title: str) -> Pick:
    ticket = Ticket(key="t", ref="t.md", title=title, source="markdown")
    item = BacklogTicket(
        identity=f"app:{title}",
        repo="app",
        ticket=ticket,
        source="backlog_dir",
        origin="t.md",
        opened_at=datetime(2026, 11, 26, tzinfo=UTC),
    )
    return Pick(item=item, action="start")


def text(view: SweepView) -> str:
    console = Console(width=140, record=True, color_system=None)
    console.print(view._render())
    return console.export_text()


def test_each_active_ticket_has_a_row_and_finished_ones_leave_it() -> None:
    view = SweepView(enabled=False)
    view.ticket_started(pick("one"))
    view.ticket_started(pick("two"))
    view.run_created("app:one", "r-111")
    view.node("app:one", "code", "started", None)
    view.activity(
        "app:one",
        HarnessEvent(
            kind="tool.call", role="coder", tool="run_command", args_summary="command=pytest -q"
        ),
    )
    view.activity(
        "app:one",
        HarnessEvent(
            kind="model.call", role="coder", input_tokens=900, output_tokens=100, cost_usd=0.5
        ),
    )
    shown = text(view)
    assert "r-111" in shown and "coder · run pytest -q" in shown and "$0.5000" in shown
    assert "app:two" in shown and "active 2 · finished 0" in shown
    view.ticket_finished(
        TicketOutcome(
            identity="app:one",
            repo="app",
            title="one",
            action="start",
            status="pr_open",
            cost_usd=0.5,
        )
    )
    shown = text(view)
    assert "active 1 · finished 1" in shown and "app:one: pr_open" in shown
