"""`[initiatives."<name>"]` in factory.toml: who owns an initiative and when it is due.

Tickets join an initiative by the label `initiative:<name>` (or `initiative:` front matter in a
Markdown ticket, which becomes that label); an initiative needs no section to be reported,
the section only adds an owner, a due date and how long silence means stalled.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

INITIATIVE_LABEL_PREFIX = "initiative:"


class InitiativeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner: str | None = None
    """A person or team (`@org/payments`) answerable for the initiative."""
    due: date | None = None
    """The date it should be done by (`2026-12-31`)."""
    stalled_after_days: int = Field(default=7, ge=1, le=365)
    """A ticket in it with nothing recorded for this many days counts as stalled."""
