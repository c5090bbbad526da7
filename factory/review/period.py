"""The reviewed period (`--since 30d --until 2026-11-30`) and the equally long one before it.

Times are read with the one grammar of `factory/support/timespec.py`; a duration for `--since`
counts back from `--until` (default now), so `--since 30d --until 2026-11-30` is November.
"""

from __future__ import annotations

from datetime import UTC, datetime

from factory.review.schema import Period
from factory.support.timespec import TimeSpecError, is_duration, parse_moment


class PeriodError(TimeSpecError):
    """`--since` does not fall before `--until`, or the period before it leaves the calendar."""


def make_period(
    since: str = "30d", until: str | None = None, now: datetime | None = None
) -> Period:
    now = now or datetime.now(UTC)
    end = parse_moment(until, now, option="--until") if until else now
    start = parse_moment(since, end if is_duration(since) else now, option="--since")
    if start >= end:
        raise PeriodError(
            f"--since ({start:%Y-%m-%d %H:%M}) must be before --until ({end:%Y-%m-%d %H:%M})"
        )
    length = end - start
    try:
        previous_since = start - length  # the trends' comparison period
    except OverflowError:
        raise PeriodError(
            f"the period before --since ({start:%Y-%m-%d}) would begin before the year 1; "
            "review a shorter or later period"
        ) from None
    return Period(
        since=start,
        until=end,
        previous_since=previous_since,
        days=length.total_seconds() / 86400,
    )
