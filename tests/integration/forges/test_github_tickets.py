"""Tickets from GitHub issues through the real PyGithub client and the local fake GitHub."""

import pytest

from factory.tickets import GitHubIssueSource, TicketError, TicketNotFound, resolve_ticket

pytestmark = pytest.mark.integration


def source(fake_github, token: str | None = None) -> GitHubIssueSource:  # type: ignore[no-untyped-def]
    return GitHubIssueSource(
        token or fake_github.token,
        api_url=fake_github.api_url,
        web_host=f"127.0.0.1:{fake_github.port}",
    )


def test_issue_by_short_ref_and_by_url_is_the_same_ticket(fake_github) -> None:  # type: ignore[no-untyped-def]
    fake_github.add_issue(12, "Pager skips the last page", "Steps: ...", ["bug", "priority: high"])
    issues = source(fake_github)
    by_ref = resolve_ticket("acme/app#12", [issues])
    by_url = resolve_ticket(f"{fake_github.base}/acme/app/issues/12", [issues])
    assert by_ref == by_url
    assert by_ref.model_dump() == {
        "key": "12",
        "ref": "acme/app#12",
        "title": "Pager skips the last page",
        "body": "Steps: ...",
        "labels": ["bug", "priority: high"],
        "priority": "high",
        "repo": "acme/app",
        "source": "github",
        "url": f"{fake_github.base}/acme/app/issues/12",
        "id": None,
    }


def test_unknown_issue_is_ticket_not_found_with_advice(fake_github) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TicketNotFound, match="acme/app#404 not found.*GITHUB_TOKEN"):
        resolve_ticket("acme/app#404", [source(fake_github)])


def test_a_pull_request_number_is_not_a_ticket(fake_github) -> None:  # type: ignore[no-untyped-def]
    fake_github.pulls[5] = {
        "title": "t",
        "body": "",
        "head": "main",
        "base": "main",
        "draft": False,
        "state": "open",
        "merged": False,
    }
    with pytest.raises(TicketError, match="is a pull request, not an issue"):
        resolve_ticket("acme/app#5", [source(fake_github)])


def test_rejected_token_is_a_clear_error(fake_github) -> None:  # type: ignore[no-untyped-def]
    fake_github.add_issue(1, "t", "b", [])
    with pytest.raises(TicketError, match="rejected the token; set a valid GITHUB_TOKEN"):
        resolve_ticket("acme/app#1", [source(fake_github, token="wrong")])


def test_default_sources_read_issues_when_a_token_is_in_the_environment(fake_github) -> None:  # type: ignore[no-untyped-def]
    from factory.tickets import default_ticket_sources

    fake_github.add_issue(3, "From the environment", "b", [])
    env = {"GITHUB_TOKEN": fake_github.token, "GITHUB_API_URL": fake_github.api_url}
    ticket = resolve_ticket(f"{fake_github.base}/acme/app/issues/3", default_ticket_sources(env))
    assert (ticket.key, ticket.title) == ("3", "From the environment")
    with pytest.raises(TicketNotFound, match="no GitHub source is configured"):
        resolve_ticket("acme/app#3", default_ticket_sources({}))
