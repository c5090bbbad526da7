"""The one grammar of every time a person types: `--since`, `--until`, `--max-wall`.

A duration is a count and a unit, `30s`, `15m`, `12h`, `30d`, `2w`, or several of them
(`1h30m`); a bare number is seconds. A moment is a duration before now, or an ISO date
(`2026-11-01`, midnight UTC) or date and time (`2026-11-01T09:00`, UTC unless it says).

Both are bounded by a century (a duration at most that long, a moment at most that far from
now), so whatever a command computes from them (the period before a review's, a deadline) stays
inside the years `datetime` can hold: a typo such as `99999999d` or `9999-12-31` is an error
naming the option, never an OverflowError later.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta

from factory.support.errors import FactoryError
from factory.support.utc import as_utc

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_SECONDS = 100 * 365 * 86400
"""A century: longer spans are typing mistakes, and datetime arithmetic overflows past year 9999."""
EXAMPLES = "30s, 15m, 12h, 30d, 2w or 1h30m"
MOMENT_EXAMPLES = f"{EXAMPLES} (that long ago), 2026-11-01 or 2026-11-01T09:00"

_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_SPAN = re.compile(r"^(?:\d+(?:\.\d+)?[smhdw])+$")


class TimeSpecError(FactoryError, ValueError):
    """A time or duration that cannot be read; the message shows what is accepted."""


def is_duration(text: str) -> bool:
    value = text.strip().lower()
    return bool(_SPAN.match(value)) or _is_number(value)


def parse_duration(text: str, *, option: str = "") -> timedelta:
    """`30s`, `15m`, `12h`, `30d`, `2w`, `1h30m` or plain seconds; positive, at most a century."""
    value = text.strip().lower()
    label = f"{option} " if option else ""
    if _is_number(value):
        seconds = float(value)
    elif _SPAN.match(value):
        seconds = sum(float(count) * UNITS[unit] for count, unit in _PART.findall(value))
    else:
        raise TimeSpecError(f"{label}{text!r} is not a duration; write it like {EXAMPLES}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise TimeSpecError(f"{label}{text!r}: a duration must be positive")
    if seconds > MAX_SECONDS:
        raise TimeSpecError(f"{label}{text!r} is longer than a century; write a shorter span")
    return timedelta(seconds=seconds)


def parse_moment(text: str, now: datetime | None = None, *, option: str = "") -> datetime:
    """A duration before `now` (default: this moment), or an ISO date or date and time, in UTC;
    at most a century from `now` either way."""
    now = as_utc(now or datetime.now(UTC))
    value = text.strip()
    label = f"{option} " if option else ""
    if is_duration(value):
        return now - parse_duration(value, option=option)
    try:
        moment = as_utc(datetime.fromisoformat(value))
    except ValueError:
        try:
            moment = as_utc(datetime.combine(date.fromisoformat(value), datetime.min.time()))
        except ValueError:
            raise TimeSpecError(
                f"{label}cannot read {text!r} as a time; use {MOMENT_EXAMPLES}"
            ) from None
    # Aware datetimes subtract without building a date, so this cannot overflow itself.
    if abs((moment - now).total_seconds()) > MAX_SECONDS:
        raise TimeSpecError(f"{label}{text!r} is more than a century from now; write a nearer time")
    return moment.astimezone(UTC)


def _is_number(value: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:\.\d+)?", value))
