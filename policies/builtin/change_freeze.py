"""Change-freeze windows: no autonomous merges during them (holidays, launches, Friday nights).

Time zones come from the IANA database; the evaluation time is `ctx.now`, so the policy
stays pure and a replay judges a past run at the time it actually ran.
"""

from datetime import datetime, time
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from policies.models import GateContext, Outcome, Verdict

NAME = "change_freeze"

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WEEKDAYS: list[Weekday] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _valid_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name like 'Europe/Paris'"
        ) from exc
    return name


class FreezeWindow(BaseModel):
    """A one-off freeze, e.g. from 2026-12-20T00:00 to 2027-01-04T09:00 in Europe/Paris."""

    model_config = ConfigDict(extra="forbid")

    start: datetime
    """Local wall-clock start in `timezone` (an offset in the value itself wins)."""
    end: datetime
    timezone: str = "UTC"
    reason: str = "change freeze"

    _zone = field_validator("timezone")(_valid_zone)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.aware(self.start) >= self.aware(self.end):
            raise ValueError(f"freeze window starts ({self.start}) after it ends ({self.end})")
        return self

    def aware(self, moment: datetime) -> datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(self.timezone))

    def covers(self, now: datetime) -> bool:
        return self.aware(self.start) <= now < self.aware(self.end)


class WeeklyFreeze(BaseModel):
    """A recurring freeze, e.g. Fridays from 15:00 to midnight in America/New_York."""

    model_config = ConfigDict(extra="forbid")

    days: list[Weekday] = Field(min_length=1)
    start: time = time(0, 0)
    end: time = time(23, 59, 59, 999999)
    """Local end time on the same day; inclusive up to the microsecond."""
    timezone: str = "UTC"
    reason: str = "weekly change freeze"

    _zone = field_validator("timezone")(_valid_zone)

    @model_validator(mode="after")
    def _same_day(self) -> Self:
        if self.start > self.end:
            raise ValueError(
                f"weekly freeze starts ({self.start}) after it ends ({self.end}); split an "
                "overnight freeze into an evening entry and a next-morning entry"
            )
        return self

    def covers(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.timezone))
        in_day = _WEEKDAYS[local.weekday()] in self.days
        return in_day and self.start <= local.time().replace(tzinfo=None) <= self.end


class ChangeFreezeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    windows: list[FreezeWindow] = Field(default_factory=list)
    weekly: list[WeeklyFreeze] = Field(default_factory=list)
    outcome: Outcome = Outcome.NEEDS_HUMAN
    """What a change gated during a freeze gets."""


def evaluate(ctx: GateContext, params: ChangeFreezeParams) -> Verdict:
    now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=ZoneInfo("UTC"))
    active: list[FreezeWindow | WeeklyFreeze] = [
        *(w for w in params.windows if w.covers(now)),
        *(w for w in params.weekly if w.covers(now)),
    ]
    if active:
        reasons = [f"in a change freeze ({w.reason}, {w.timezone})" for w in active]
        return Verdict(outcome=params.outcome, reasons=reasons)
    return Verdict(outcome=Outcome.ALLOW, reasons=[f"no change freeze at {now:%Y-%m-%d %H:%M %Z}"])


PARAMS = ChangeFreezeParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
