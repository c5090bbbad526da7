"""Tickets in: GitHub issues, Markdown files, stdin. Ticket text is untrusted input."""

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
