"""A `Review` as Markdown or as one self-contained HTML page (Jinja2, charts inline as SVG).

The dashboard renders the same `review_body.html` inside its own layout, so the report and the
dashboard cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from factory.review.schema import Figure, OperationalReview
from factory.support import markdown

ARROWS = {"up": "↑", "down": "↓", "flat": "→", "new": "·", "unknown": ""}


def format_value(value: float | None, unit: str) -> str:
    if not isinstance(value, int | float):  # None, or a field the record does not have
        return "unknown"
    if unit == "ratio":
        return f"{value:.0%}"
    if unit == "usd":
        return f"${value:,.2f}"
    if unit == "hours":
        return f"{value / 24:.1f} d" if value >= 48 else f"{value:.1f} h"
    if unit == "per_day":
        return f"{value * 7:.1f}/week"
    if unit == "per_week":
        return f"{value:.1f}/week"
    if unit in ("count", "tokens"):
        return f"{value:,.0f}"
    if unit == "per_pr":
        return f"{value:,.2f}"
    if unit == "minutes":
        return f"{value:,.1f} min"
    return f"{value:g}"


def format_figure(figure: Figure) -> str:
    return format_value(figure.value, figure.unit)


def trend_arrow(figure: Figure) -> str:
    return ARROWS[figure.trend]


def trend_class(figure: Figure) -> str:
    """`good`, `bad` or `neutral`: whether the move is the way this figure should go."""
    if figure.trend not in ("up", "down") or figure.better == "neither":
        return "neutral"
    return "good" if figure.trend == figure.better else "bad"


def trend_text(figure: Figure) -> str:
    if figure.trend in ("unknown", "new") or figure.previous is None:
        return ARROWS[figure.trend]
    return f"{ARROWS[figure.trend]} from {format_value(figure.previous, figure.unit)}"


def environment(*extra_loaders: Any) -> Environment:
    """The Jinja2 environment with the review's filters; the dashboard adds its own loader."""
    from jinja2 import ChoiceLoader

    loader = ChoiceLoader([*extra_loaders, PackageLoader("factory.review", "templates")])
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        figure=format_figure,
        value=format_value,
        arrow=trend_arrow,
        trend_class=trend_class,
        trend=trend_text,
    )
    return env


def render_html(review: OperationalReview) -> str:
    from factory.review.charts import review_charts

    env = environment()
    return env.get_template("review.html").render(review=review, charts=review_charts(review))


def render_markdown(review: OperationalReview) -> str:
    """The review as Markdown. Every value the template prints is made inert
    (`factory.support.markdown.inline`): titles, names and evidence come from tickets, commits
    and CODEOWNERS, and the report is posted where Markdown pings people and renders links."""
    env = environment()
    env.autoescape = False
    env.finalize = _inert
    return env.get_template("review.md").render(review=review)


def _inert(value: Any) -> str:
    return markdown.inline(value)
