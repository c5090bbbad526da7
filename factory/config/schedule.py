"""`[schedule]`: the nightly sweep as a periodic task of the workers (cron syntax).

With a PostgreSQL store and `factory worker`s running, `sweep = "0 2 * * *"` makes one of the
workers run `factory sweep --enqueue` at 02:00 (the worker's clock, UTC in containers): the
backlog's selected tickets become run jobs the workers share. procrastinate defers each
periodic run once, however many workers there are. A bad expression is refused when the
configuration is loaded (`factory config check` names it).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ScheduleConfig(BaseModel):
    """`[schedule]`: when workers sweep the backlog by themselves."""

    model_config = ConfigDict(extra="forbid")

    sweep: str | None = None
    """A cron expression (`minute hour day month weekday`, e.g. `"0 2 * * *"` for 02:00 every
    night); unset means no scheduled sweep."""
    sweep_repos: list[str] = Field(default_factory=list)
    """Configured repository names the scheduled sweep covers; empty means all of them."""
    sweep_limit: int | None = Field(default=None, ge=1, le=10_000)
    """Queue at most this many tickets per scheduled sweep."""

    @field_validator("sweep")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        if not is_cron(value):
            raise ValueError(
                f"{value!r} is not a cron expression: five fields, minute hour day month "
                'weekday, e.g. "0 2 * * *" for 02:00 every night'
            )
        return value


def is_cron(expression: str) -> bool:
    """Five cron fields croniter (procrastinate's own parser) accepts."""
    from croniter import croniter

    return len(expression.split()) == 5 and bool(croniter.is_valid(expression))
