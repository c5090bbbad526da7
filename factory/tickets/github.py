"""Tickets from GitHub issues: `owner/repo#123` or `https://github.com/owner/repo/issues/123`."""

import re
from datetime import datetime
from typing import Literal

from github import GithubException
from github.Issue import Issue
from pydantic import BaseModel, ConfigDict
from requests import RequestException

from factory.forges.github_client import DEFAULT_API_URL, github_client
from factory.tickets.model import MAX_TICKET_CHARS, Ticket, TicketError, TicketNotFound

_SHORT = re.compile(r"^(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)#(?P<number>\d+)$")
_URL = re.compile(
    r"^https?://(?P<host>[^/\s]+)/(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/issues/(?P<number>\d+)/?(?:[#?].*)?$"
)


def parse_issue_ref(ref: str, web_host: str = "github.com") -> tuple[str, int] | None:
    """(`owner/name`, number) for an issue reference on `web_host`, else None."""
    short = _SHORT.match(ref)
    if short:
        return short.group("repo"), int(short.group("number"))
    url = _URL.match(ref)
    if url and url.group("host").lower() == web_host.lower():
        return url.group("repo"), int(url.group("number"))
    return None


class IssueStatus(BaseModel):
    """An issue as it is now: open or closed, its labels, who closed it (when GitHub says)."""

    model_config = ConfigDict(frozen=True)

    state: Literal["open", "closed"]
    labels: list[str]
    closed_by: str | None = None


class GitHubIssueSource:
    """Reads issues through the REST API. The token never leaves this client."""

    def __init__(
        self, token: str | None, *, api_url: str = DEFAULT_API_URL, web_host: str = "github.com"
    ) -> None:
        self._client = github_client(token, api_url)
        self._web_host = web_host

    def handles(self, ref: str) -> bool:
        return parse_issue_ref(ref, self._web_host) is not None

    def fetch(self, ref: str) -> Ticket:
        repo_name, number, issue = self._read_issue(ref)
        if issue.pull_request is not None:
            raise TicketError(
                f"{repo_name}#{number} is a pull request, not an issue; pass an issue"
            )
        return _ticket_from_issue(repo_name, issue)

    def labelled(self, repo_name: str, label: str) -> list[tuple[Ticket, datetime | None]]:
        """The open issues of `repo_name` carrying `label`, each with when it was opened.

        Pull requests (which the issues API lists too) and issues too long to be a ticket are
        left out; the sweep that asks reports neither as work.
        """
        try:
            issues = list(
                self._client.withLazy(True)
                .get_repo(repo_name)
                .get_issues(state="open", labels=[label])
            )
        except GithubException as error:
            if error.status == 401:
                raise TicketError("GitHub rejected the token; set a valid GITHUB_TOKEN") from error
            raise TicketError(
                f"GitHub answered {error.status} listing {repo_name} issues labelled {label!r}"
            ) from error
        found: list[tuple[Ticket, datetime | None]] = []
        for issue in issues:
            if issue.pull_request is not None or len(issue.body or "") > MAX_TICKET_CHARS:
                continue
            found.append((_ticket_from_issue(repo_name, issue), issue.created_at))
        return found

    def issue_status(self, ref: str) -> IssueStatus:
        """Whether the issue `ref` is still open, its labels now, and who closed it."""
        _repo_name, _number, issue = self._read_issue(ref)
        state = issue.state
        closer = issue.closed_by.login if state == "closed" and issue.closed_by else None
        return IssueStatus(
            state="closed" if state == "closed" else "open",
            labels=[label.name for label in issue.labels],
            closed_by=closer,
        )

    def _read_issue(self, ref: str) -> tuple[str, int, Issue]:
        """The issue `ref` names, read from GitHub; a TicketError that says what to do."""
        parsed = parse_issue_ref(ref, self._web_host)
        if parsed is None:
            raise TicketError(f"{ref!r} is not a GitHub issue; use owner/repo#123 or the issue URL")
        repo_name, number = parsed
        try:
            issue = self._client.withLazy(True).get_repo(repo_name).get_issue(number)
            issue.state  # noqa: B018  (a lazy issue is read here, so its errors surface here)
        except GithubException as error:
            if error.status == 404:
                raise TicketNotFound(
                    f"issue {repo_name}#{number} not found (or the token cannot see it); "
                    "check the number and that GITHUB_TOKEN has access"
                ) from error
            if error.status == 401:
                raise TicketError("GitHub rejected the token; set a valid GITHUB_TOKEN") from error
            raise TicketError(f"GitHub answered {error.status} for {repo_name}#{number}") from error
        except RequestException as error:
            raise TicketError(
                f"cannot reach GitHub to read {repo_name}#{number} ({type(error).__name__}); "
                "check the network and GITHUB_API_URL"
            ) from error
        return repo_name, number, issue


def _ticket_from_issue(repo_name: str, issue: Issue) -> Ticket:
    number = issue.number
    body = issue.body or ""
    if len(body) > MAX_TICKET_CHARS:
        raise TicketError(
            f"issue {repo_name}#{number} is longer than {MAX_TICKET_CHARS} characters"
        )
    labels = [label.name for label in issue.labels]
    return Ticket(
        key=str(number),
        ref=f"{repo_name}#{number}",
        title=issue.title or f"Issue {number}",
        body=body,
        labels=labels,
        priority=_priority_from_labels(labels),
        repo=repo_name,
        source="github",
        url=issue.html_url,
    )


def _priority_from_labels(labels: list[str]) -> str | None:
    for label in labels:
        match = re.match(r"^priority[:/ -]\s*(.+)$", label, re.IGNORECASE)
        if match:
            return match.group(1).strip()
    return None
