"""Words and times as a person reads them: "1 file", "2 files" (never "1 files" or
"file(s)"); `2026-12-06 02:36:37 UTC` (never an ISO stamp with microseconds)."""

from __future__ import annotations

from datetime import UTC, datetime


def plural(count: int | float, noun: str, many: str | None = None) -> str:
    """`plural(1, "run")` is "1 run", `plural(3, "run")` "3 runs"; `many` names an irregular
    plural (`plural(2, "check", "checks failed")`...)."""
    shown = f"{count:g}" if isinstance(count, float) else str(count)
    return f"{shown} {noun if count == 1 else (many or noun + 's')}"


def readable_time(moment: datetime | str | None) -> str:
    """A recorded time (an event's ISO `ts`, or a datetime) to the second, in UTC, said so."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return moment  # not a time after all: shown as recorded
    else:
        parsed = moment
    aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return f"{aware.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
