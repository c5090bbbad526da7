"""Turn whatever a person typed into a Ticket, trying each source in turn."""

from collections.abc import Sequence

from factory.tickets.markdown import MarkdownTicketSource
from factory.tickets.model import Ticket, TicketNotFound, TicketSource


def resolve_ticket(ref: str, sources: Sequence[TicketSource] | None = None) -> Ticket:
    """The ticket `ref` names: a GitHub issue, a Markdown file, or `-` for stdin.

    `sources` defaults to Markdown and stdin only; pass a `GitHubIssueSource` (which needs a
    token) to accept issues.
    """
    chosen = list(sources) if sources is not None else [MarkdownTicketSource()]
    ref = ref.strip()
    for source in chosen:
        if source.handles(ref):
            return source.fetch(ref)
    if any(mark in ref for mark in ("#", "/issues/")):
        raise TicketNotFound(
            f"{ref!r} looks like a GitHub issue, but no GitHub source is configured; "
            "set GITHUB_TOKEN, or save the ticket as a Markdown file"
        )
    raise TicketNotFound(
        f"no ticket {ref!r}: pass a Markdown file path, `-` to read stdin, "
        "or a GitHub issue as owner/repo#123 or its URL"
    )
