"""`[sweep]`: how `factory sweep` backs off, how many tickets it drives at once, how it stops."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SweepConfig(BaseModel):
    """Defaults for `factory sweep`; its options override them for one sweep."""

    model_config = ConfigDict(extra="forbid")

    concurrency: int = Field(default=2, ge=1, le=64)
    """Tickets driven at once in one process (`--concurrency`)."""
    backoff_failures: int = Field(default=3, ge=1, le=1000)
    """A ticket whose runs failed this many times within `backoff_days` is skipped."""
    backoff_days: float = Field(default=7.0, gt=0, le=3650)
    stop_grace_s: float = Field(default=120.0, gt=0, le=86400)
    """After Ctrl-C or SIGTERM, how long running tickets get to reach their next checkpoint."""
