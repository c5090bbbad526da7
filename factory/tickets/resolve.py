"""Turn whatever a person typed into a Ticket, trying each source in turn."""

import os
import re
from collections.abc import Mapping, Sequence
from typing import TextIO
from urllib.parse import urlsplit

from factory.config.forges import GITHUB_TOKEN_ENV
from factory.forges.github_client import github_api_url
from factory.tickets.github import GitHubIssueSource
from factory.tickets.markdown import MarkdownTicketSource
from factory.tickets.model import Ticket, TicketError, TicketNotFound, TicketSource


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
    if not ref:
        raise TicketError(
            "the ticket is an empty string: pass a Markdown file path, `-` to read stdin, "
            "or a GitHub issue as owner/repo#123 or its URL"
        )
    for source in chosen:
        if source.handles(ref):
            return source.fetch(ref)
    problem = issue_ref_problem(ref, _github_web_host())
    if problem is not None:
        raise TicketNotFound(problem)
    if any(mark in ref for mark in ("#", "/issues/")):
        raise TicketNotFound(
            f"{ref!r} looks like a GitHub issue, but no GitHub source is configured; "
            "set GITHUB_TOKEN, or save the ticket as a Markdown file"
        )
    raise TicketNotFound(
        f"no ticket {ref!r}: pass a Markdown file path, `-` to read stdin, "
        "or a GitHub issue as owner/repo#123 or its URL"
    )


_LOOKS_SHORT = re.compile(r"^(?P<repo>[^\s#/]+/[^\s#/]+)#(?P<number>.*)$")
_LOOKS_URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<host>[^/\s]+)/(?P<rest>.*)$", re.I)
_ISSUE_PATH = re.compile(r"^[^/]+/[^/]+/(?:-/)?issues/(?P<number>[^/?#]*)")


def issue_ref_problem(ref: str, web_host: str) -> str | None:
    """What is wrong with a reference that looks like an issue but is not one we can read.

    None when `ref` is not issue-shaped at all, or when it is a well-formed GitHub issue (then
    only the token can be missing). The answers say what is true: a bad number is a bad
    number, and another forge's URL is another forge, whether or not GITHUB_TOKEN is set.
    """
    short = _LOOKS_SHORT.match(ref)
    if short:
        return _number_problem(ref, short.group("number"))
    url = _LOOKS_URL.match(ref)
    if url is None:
        return None
    host = url.group("host").lower()
    if host not in (web_host.lower(), "github.com", "www.github.com"):
        return (
            f"{ref!r} is on {host}, not GitHub ({web_host}): the factory reads issues from "
            "GitHub only; save the ticket as a Markdown file and pass its path"
        )
    path = _ISSUE_PATH.match(url.group("rest"))
    if path is None:
        return f"{ref!r} is not a GitHub issue URL; use https://{web_host}/OWNER/REPO/issues/123"
    return _number_problem(ref, path.group("number"))


def _number_problem(ref: str, number: str) -> str | None:
    if not (number.isascii() and number.isdigit()):
        return f"{ref!r}: the issue number {number!r} is not a number; use owner/repo#123"
    if int(number) == 0:
        return f"{ref!r}: issue numbers start at 1; use owner/repo#123"
    return None


def _github_web_host() -> str:
    return web_host_for(github_api_url(os.environ))
