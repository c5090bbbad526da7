"""DORA performance tiers: the one table of thresholds, from the 2024 Accelerate State of DevOps
Report (DORA, Google Cloud, October 2024), "Software delivery performance" cluster table.

The 2024 clusters are typical values, not bounds, and two are not ordered (change fail rate:
high 20%, medium 10%; recovery: high and medium both "less than one day"). A value gets the
best tier whose published value it meets, checked elite -> high -> medium -> low, so those
medium tiers are never assigned. The 2024 report gives rework rate no tier. The 2025 report
("State of AI-assisted Software Development") replaced tiers with seven team archetypes drawn
from survey answers (well-being, friction, product performance); the factory's record cannot
place a team in one, so the review keeps 2024's tiers. docs/review.md says the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DORA_SOURCE = (
    "DORA, Accelerate State of DevOps Report 2024, software delivery performance clusters "
    "(https://dora.dev/research/2024/dora-report/)"
)

Tier = Literal["elite", "high", "medium", "low"]
Metric = Literal[
    "deployment_frequency", "lead_time", "change_fail_rate", "recovery_time", "rework_rate"
]

HOUR = 1.0
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 30 * DAY


@dataclass(frozen=True)
class TierBound:
    tier: Tier
    bound: float
    label: str
    """How the report words it."""


# higher_is_better, then bounds checked best first. Units: deployments per day; hours; ratio.
TIERS: dict[Metric, tuple[bool, tuple[TierBound, ...]]] = {
    "deployment_frequency": (
        True,
        (
            TierBound("elite", 1.0, "on demand (multiple deploys per day)"),
            TierBound("high", 1 / 7, "between once per day and once per week"),
            TierBound("medium", 1 / 30, "between once per week and once per month"),
            TierBound("low", 1 / 183, "between once per month and once every six months"),
        ),
    ),
    "lead_time": (
        False,
        (
            TierBound("elite", DAY, "less than one day"),
            TierBound("high", WEEK, "between one day and one week"),
            TierBound("medium", MONTH, "between one week and one month"),
            TierBound("low", float("inf"), "between one month and six months"),
        ),
    ),
    "change_fail_rate": (
        False,
        (
            TierBound("elite", 0.05, "5%"),
            TierBound("high", 0.20, "20%"),
            TierBound("medium", 0.10, "10%"),
            TierBound("low", float("inf"), "40%"),
        ),
    ),
    "recovery_time": (
        False,
        (
            TierBound("elite", HOUR, "less than one hour"),
            TierBound("high", DAY, "less than one day"),
            TierBound("medium", DAY, "less than one day"),
            TierBound("low", float("inf"), "between one week and one month"),
        ),
    ),
    "rework_rate": (False, ()),
}


def tier_for(metric: Metric, value: float | None) -> Tier | None:
    """The tier of `value` (None when unknown, or when the report tiers no such metric)."""
    if value is None:
        return None
    higher_is_better, bounds = TIERS[metric]
    for bound in bounds:
        if (value >= bound.bound) if higher_is_better else (value <= bound.bound):
            return bound.tier
    return None
