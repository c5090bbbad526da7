"""Markdown and stdin tickets, and how references resolve."""

import io
from pathlib import Path

import pytest

from factory.tickets import (
    MarkdownTicketSource,
    Ticket,
    TicketError,
    TicketNotFound,
    default_ticket_sources,
    parse_issue_ref,
    resolve_ticket,
)


def test_front_matter_sets_title_repo_labels_priority(tmp_path: Path) -> None:
    ticket_file = tmp_path / "pager-bug.md"
    ticket_file.write_text(
        "---\ntitle: Pager skips the last page\nrepo: demo\nlabels: [bug, pager]\npriority: 1\n"
        "---\nWhen there are 11 items...\n"
    )
    ticket = resolve_ticket(str(ticket_file))
    assert ticket == Ticket(
        key="pager-bug",
        ref=str(ticket_file),
        title="Pager skips the last page",
        body="When there are 11 items...",
        labels=["bug", "pager"],
        priority="1",
        repo="demo",
        source="markdown",
        url=ticket_file.resolve().as_uri(),
    )


def test_without_front_matter_the_first_heading_is_the_title(tmp_path: Path) -> None:
    ticket_file = tmp_path / "t.md"
    ticket_file.write_text("Intro line\n\n# Fix the pager\n\nDetails.\n")
    ticket = resolve_ticket(str(ticket_file))
    assert (ticket.title, ticket.labels, ticket.repo) == ("Fix the pager", [], None)
    assert ticket.body.startswith("Intro line")


def test_comma_separated_labels_are_split(tmp_path: Path) -> None:
    ticket_file = tmp_path / "t.md"
    ticket_file.write_text("---\nlabels: bug, ui\n---\n# x\n")
    assert resolve_ticket(str(ticket_file)).labels == ["bug", "ui"]


def test_stdin_ticket_is_read_with_dash() -> None:
    stdin = io.StringIO("# Add a --json flag\n\nScripts need it.\n")
    ticket = resolve_ticket("-", [MarkdownTicketSource(stdin=stdin)])
    assert (ticket.source, ticket.title, ticket.key, ticket.url) == (
        "stdin",
        "Add a --json flag",
        "add-a-json-flag",
        None,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: [unclosed\n---\nbody", "not valid YAML"),
        ("---\n- a\n- b\n---\nbody", "must be `key: value` lines"),
        (
            "---\nassignee: bob\n---\nbody",
            "`assignee`.*allowed keys: id, title, repo, labels, priority",
        ),
        ("---\nlabels: {a: 1}\n---\nbody", "`labels`"),
        ("", "is empty"),
        ("---\n---\n\n", "is empty"),
        ("---\nlabels: [a]\n---\n", "is empty"),
    ],
)
def test_malformed_ticket_files_get_one_line_errors(
    tmp_path: Path, text: str, message: str
) -> None:
    ticket_file = tmp_path / "t.md"
    ticket_file.write_text(text)
    source = MarkdownTicketSource()
    with pytest.raises(TicketError, match=message) as raised:
        source.fetch(str(ticket_file))
    assert "\n" not in str(raised.value).split("(")[0]


def test_oversized_ticket_is_refused(tmp_path: Path) -> None:
    ticket_file = tmp_path / "big.md"
    ticket_file.write_text("# big\n" + "x" * 300_000)
    with pytest.raises(TicketError, match="longer than"):
        resolve_ticket(str(ticket_file))


def test_unknown_ticket_names_the_accepted_forms(tmp_path: Path) -> None:
    with pytest.raises(TicketNotFound, match="ticket file .*missing.md not found"):
        resolve_ticket(str(tmp_path / "missing.md"))
    with pytest.raises(TicketNotFound, match="Markdown file path, `-`.*owner/repo#123"):
        resolve_ticket("fix-the-thing")
    with pytest.raises(TicketNotFound, match="no GitHub source is configured.*GITHUB_TOKEN"):
        resolve_ticket("acme/app#12", default_ticket_sources({}))


def test_issue_refs_parse_only_for_the_configured_host() -> None:
    assert parse_issue_ref("acme/app#12") == ("acme/app", 12)
    assert parse_issue_ref("https://github.com/acme/app/issues/12#issuecomment-1") == (
        "acme/app",
        12,
    )
    assert parse_issue_ref("https://evil.example/acme/app/issues/12") is None
    assert parse_issue_ref("https://github.com/acme/app/pull/12") is None
    assert parse_issue_ref("acme/app#x") is None
