"""Turn whatever a person typed into a Ticket, trying each source in turn."""

import os
from collections.abc import Mapping, Sequence
from typing import TextIO
from urllib.parse import urlsplit

from factory.forges.github_client import github_api_url
from factory.forges.settings import GITHUB_TOKEN_ENV
from factory.tickets.github import GitHubIssueSource
from factory.tickets.markdown import MarkdownTicketSource
from factory.tickets.model import Ticket, TicketNotFound, TicketSource


def default_ticket_sources(
    environ: Mapping[str, str] | None = None, stdin: TextIO | None = None
) -> list[TicketSource]:
    """Markdown files and stdin always; GitHub issues when GITHUB_TOKEN is set.

    GITHUB_API_URL points at GitHub Enterprise (`https://HOST/api/v3`); issue URLs are then
    accepted for HOST.
    """
    env = os.environ if environ is None else environ
    sources: list[TicketSource] = []
    token = env.get(GITHUB_TOKEN_ENV)
    if token:
        api_url = github_api_url(env)
        sources.append(GitHubIssueSource(token, api_url=api_url, web_host=web_host_for(api_url)))
    sources.append(MarkdownTicketSource(stdin=stdin))
    return sources


def web_host_for(api_url: str) -> str:
    """The host issue URLs use for an API URL (`api.github.com` -> `github.com`)."""
    host = urlsplit(api_url).netloc
    return "github.com" if host == "api.github.com" else host


def resolve_ticket(ref: str, sources: Sequence[TicketSource] | None = None) -> Ticket:
    """The ticket `ref` names: a GitHub issue, a Markdown file, or `-` for stdin.

    `sources` defaults to `default_ticket_sources()` (GitHub issues only with a token).
    """
    chosen = list(sources) if sources is not None else default_ticket_sources()
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
