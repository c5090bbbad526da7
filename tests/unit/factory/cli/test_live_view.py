"""The single-run view: which agent works and on what, tokens and cost, a footer that fits."""

from __future__ import annotations

from rich.console import Console

from factory.cli.live import LiveView
from harness.events import HarnessEvent


def render(view: LiveView, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(view._render())
    return console.export_text().splitlines()


def test_the_view_shows_the_agent_its_latest_action_tokens_and_cost() -> None:
    view = LiveView(enabled=False)
    view.observe("code", "started", None)
    view.activity(
        HarnessEvent(
            kind="model.call", role="coder", input_tokens=1200, output_tokens=300, cost_usd=0.0125
        )
    )
    view.activity(
        HarnessEvent(
            kind="tool.call",
            role="coder",
            tool="edit_file",
            args_summary="path=numerals/roman.py old_string=x new_string=y",
        )
    )
    lines = render(view, 140)
    assert "coder · edit numerals/roman.py" in lines
    footer = lines[-1]
    assert footer.startswith("iteration 0 · 1 model calls · 1500 tokens · $0.0125 · ")


def test_an_unpriced_model_makes_the_cost_a_lower_bound_not_a_figure() -> None:
    view = LiveView(enabled=False)
    view.activity(HarnessEvent(kind="model.call", role="planner", input_tokens=10))
    assert "$0.0000+ (a model without a price)" in view.footer()


def test_the_footer_is_one_line_at_140_columns_and_on_narrow_terminals() -> None:
    view = LiveView(enabled=False)
    view.observe("plan", "started", None)
    for _ in range(3):
        view.activity(HarnessEvent(kind="model.call", role="planner", input_tokens=123456789))
    for width in (140, 60):
        lines = render(view, width)
        assert lines[-1].startswith("iteration 0 · 3 model calls")
        assert all(len(line) <= width for line in lines)
