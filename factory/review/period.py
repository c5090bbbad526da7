"""The reviewed period (`--since 30d --until 2026-11-30`) and the equally long one before it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from factory.review.schema import Period
from factory.support.errors import FactoryError
from factory.support.utc import as_utc

_SPAN = re.compile(r"^(\d+)\s*([hdw])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class PeriodError(FactoryError, ValueError):
    """`--since`/`--until` could not be read; the message shows what is accepted."""

    code = "bad_input"


def parse_moment(text: str, now: datetime) -> datetime:
    """`30d`, `12h`, `2w` (that long before now), or an ISO date/time (UTC unless it says)."""
    text = text.strip()
    span = _SPAN.match(text)
    if span:
        try:
            return now - int(span.group(1)) * _UNITS[span.group(2)]
        except OverflowError:
            raise PeriodError(
                f"{text!r} reaches back before the year 1; use a shorter span"
            ) from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            raise PeriodError(
                f"cannot read {text!r} as a time; use 30d, 12h, 2w, 2026-11-01 or 2026-11-01T09:00"
            ) from None
    return as_utc(moment)


def make_period(
    since: str = "30d", until: str | None = None, now: datetime | None = None
) -> Period:
    now = now or datetime.now(UTC)
    end = parse_moment(until, now) if until else now
    start = parse_moment(since, end if _SPAN.match(since.strip()) else now)
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
