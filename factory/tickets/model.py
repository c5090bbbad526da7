"""The ticket as the factory sees it, whatever it came from. Its text is untrusted input."""

from pathlib import PurePath
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from factory.support.errors import FactoryError

TicketSourceKind = Literal["markdown", "stdin", "github", "eval"]
MAX_TICKET_CHARS = 200_000
"""Tickets longer than this are refused: they are text for a model, not a data dump."""


class Ticket(BaseModel):
    """One unit of work. `ref` is how a person names it; `key` is short and safe for branches."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")
    ref: str = Field(min_length=1)
    title: str = Field(min_length=1, max_length=500)
    body: str = Field(default="", max_length=MAX_TICKET_CHARS)
    labels: list[str] = Field(default_factory=list)
    priority: str | None = None
    """Free text from the ticket (`high`, `p1`, ...); the sweep orders by it."""
    repo: str | None = None
    """The configured repository name or `owner/name` the ticket targets, when it says."""
    source: TicketSourceKind
    url: str | None = None
    id: str | None = Field(default=None, max_length=80)
    """The ticket's own identifier, when its file says one (front matter `id:`)."""

    @property
    def name(self) -> str:
        """How pull requests and comments name the ticket: the issue reference, the front
        matter id, or the file's name; never the path a file was read from."""
        if self.id:
            return self.id
        if self.source == "markdown":
            return PurePath(self.ref).name
        if self.source == "stdin":
            return self.key
        return self.ref


class TicketError(FactoryError, ValueError):
    """A ticket could not be read; the message says what to pass instead."""

    code = "ticket"


class TicketNotFound(TicketError):
    """The reference names no ticket any source knows."""


@runtime_checkable
class TicketSource(Protocol):
    """Something that turns a reference into a ticket."""

    def handles(self, ref: str) -> bool:
        """Whether `ref` is in this source's format (it may still not exist)."""
        ...

    def fetch(self, ref: str) -> Ticket:
        """The ticket `ref` names; TicketNotFound when there is none."""
        ...
