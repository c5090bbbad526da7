"""Charts of a review, drawn by matplotlib on the server as inline SVG (no script, no CDN).

Uses matplotlib's object API (`Figure`, no pyplot state), text kept as SVG text, and a fixed
hash salt so the same review gives the same SVG.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from html import escape

from factory.review.schema import OperationalReview

AGENT, HUMAN = "#2b6cb0", "#a0aec0"


def _svg(figure: object) -> str:
    import matplotlib

    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "agent-factory"}):
        figure.savefig(out, format="svg", bbox_inches="tight")  # type: ignore[attr-defined]
    text = out.getvalue()
    text = text[text.index("<svg") :]
    # The RDF metadata block only names its vocabularies; the page needs none of it.
    start, end = text.find("<metadata>"), text.find("</metadata>")
    if start != -1 and end != -1:
        text = text[:start] + text[end + len("</metadata>") :]
    return text


def _bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    unit: str,
) -> str:
    empty = _nothing_to_draw(series)
    if empty is not None:
        return (
            f'<p class="muted no-data"><strong>{escape(title)}</strong>: '
            f"no data to draw ({empty}).</p>"
        )
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 0.5 + 0.45 * max(1, len(labels))), dpi=96)
    axes = figure.add_subplot()
    height = 0.8 / max(1, len(series))
    for index, (name, color, values) in enumerate(series):
        positions = [row + index * height for row in range(len(labels))]
        known = [value if value is not None else 0.0 for value in values]
        bars = axes.barh(positions, known, height=height, color=color, label=name)
        for bar, value in zip(bars, values, strict=True):
            if value is None:
                bar.set_hatch("//")
                bar.set_alpha(0.2)
    axes.set_yticks([row + height * (len(series) - 1) / 2 for row in range(len(labels))])
    axes.set_yticklabels(labels)
    axes.invert_yaxis()
    axes.set_xlabel(unit)
    axes.set_title(title, loc="left", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=8, loc="lower right")
    return _svg(figure)


def _nothing_to_draw(series: Sequence[tuple[str, str, Sequence[float | None]]]) -> str | None:
    """Why a chart would be bare axes (every value unknown, or zero), or None to draw it."""
    values = [value for _name, _color, row in series for value in row]
    if all(value is None for value in values):
        return "every value is unknown in this period"
    if all(not value for value in values):
        return "every value is zero or unknown in this period"
    return None


def review_charts(review: OperationalReview) -> dict[str, str]:
    """name -> SVG markup, or a line saying there is no data for a chart whose every value is
    unknown or zero (axes around nothing would say nothing)."""
    charts: dict[str, str] = {}
    if review.dora:
        repos = [entry.repo for entry in review.dora]
        charts["deployments"] = _bars(
            "Deployments per week: factory vs human",
            repos,
            [
                (
                    "factory",
                    AGENT,
                    [_weekly(e.agent.deployment_frequency.value) for e in review.dora],
                ),
                (
                    "human",
                    HUMAN,
                    [
                        _weekly(e.human.deployment_frequency.value) if e.human else None
                        for e in review.dora
                    ],
                ),
            ],
            "deployments per week",
        )
        charts["change_fail_rate"] = _bars(
            "Change fail rate: factory vs human",
            repos,
            [
                ("factory", AGENT, [e.agent.change_fail_rate.value for e in review.dora]),
                (
                    "human",
                    HUMAN,
                    [e.human.change_fail_rate.value if e.human else None for e in review.dora],
                ),
            ],
            "share of changes that failed",
        )
    if review.repositories:
        charts["spend"] = _bars(
            "Spend (US$; hatched: unknown)",
            [p.name for p in review.repositories],
            [("spend", AGENT, [p.efficiency.spend_usd.value for p in review.repositories])],
            "US$",
        )
    return charts


def _weekly(per_day: float | None) -> float | None:
    return None if per_day is None else round(per_day * 7, 3)
