"""A ticket's stable identity: one name per ticket across sources, processes and nights.

Claims, back-off and "already has a PR" all key on it, so it must not depend on how the ticket
was read. A GitHub issue is `owner/name#N` whichever repository entry names it. A Markdown
ticket is `<repo>:<slug of its title>`: the same file in `backlog_dir`, added with
`factory ticket add`, or piped through stdin is one ticket; renaming the file changes nothing.
"""

from __future__ import annotations

from factory.git.worktree import slugify
from factory.tickets.model import Ticket

IDENTITY_SLUG_LIMIT = 60


def ticket_identity(repo: str, ticket: Ticket) -> str:
    """`owner/name#N` for a GitHub issue, else `<repo>:<title-slug>`."""
    if ticket.source == "github":
        return ticket.ref
    return f"{repo}:{slugify(ticket.title, limit=IDENTITY_SLUG_LIMIT) or ticket.key}"
