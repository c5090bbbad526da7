"""A figure's trend against the previous period, and the `Figure` that carries both."""

from __future__ import annotations

from factory.review.schema import Better, Figure, Trend

FLAT_WITHIN = 0.05
"""Changes smaller than 5% of the previous value read as flat."""


def trend_of(value: float | None, previous: float | None) -> Trend:
    if value is None:
        return "unknown"
    if previous is None:
        return "new"
    if abs(value - previous) <= FLAT_WITHIN * max(abs(previous), 1e-9):
        return "flat"
    return "up" if value > previous else "down"


def figure(
    value: float | None,
    previous: float | None,
    unit: str,
    better: Better = "neither",
    note: str | None = None,
) -> Figure:
    return Figure(
        value=value,
        previous=previous,
        unit=unit,
        trend=trend_of(value, previous),
        better=better,
        note=note,
    )
