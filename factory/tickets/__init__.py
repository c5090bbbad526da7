"""Tickets in: GitHub issues, Markdown files, stdin. Ticket text is untrusted input.

- `model`: `Ticket` and the `TicketSource` protocol.
- `github`, `markdown`: the two sources (issues by reference or label; files and stdin).
- `resolve`: what a person typed, tried against each source, with honest messages.
- `identity`: a ticket's stable identity across sources and nights (claims, sweeps).
"""

from factory.tickets.github import GitHubIssueSource, parse_issue_ref
from factory.tickets.identity import ticket_identity
from factory.tickets.markdown import MarkdownTicketSource, parse_markdown_ticket
from factory.tickets.model import Ticket, TicketError, TicketNotFound, TicketSource
from factory.tickets.resolve import default_ticket_sources, resolve_ticket

__all__ = [
    "GitHubIssueSource",
    "MarkdownTicketSource",
    "Ticket",
    "TicketError",
    "TicketNotFound",
    "TicketSource",
    "default_ticket_sources",
    "parse_issue_ref",
    "parse_markdown_ticket",
    "resolve_ticket",
    "ticket_identity",
]
