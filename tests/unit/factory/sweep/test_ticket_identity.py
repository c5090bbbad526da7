"""A ticket's identity is the same whichever source read it."""

from __future__ import annotations

from factory.tickets.identity import ticket_identity
from factory.tickets.markdown import parse_markdown_ticket
from factory.tickets.model import Ticket

TEXT = "---\npriority: high\n---\n# Pager skips the last page\n\nBody.\n"


def test_a_markdown_ticket_is_one_ticket_from_a_file_stdin_or_a_renamed_file() -> None:
    from_file = parse_markdown_ticket(
        TEXT, ref="backlog/pager.md", fallback_title="pager", source="markdown"
    )
    renamed = parse_markdown_ticket(
        TEXT, ref="backlog/0042.md", fallback_title="0042", source="markdown"
    )
    piped = parse_markdown_ticket(TEXT, ref="-", fallback_title=None, source="stdin")
    identities = {ticket_identity("app", t) for t in (from_file, renamed, piped)}
    assert identities == {"app:pager-skips-the-last-page"}


def test_a_github_issue_is_its_owner_name_and_number_whichever_repo_entry_names_it() -> None:
    issue = Ticket(key="12", ref="acme/app#12", title="Bug", source="github")
    assert ticket_identity("app", issue) == ticket_identity("prod-app", issue) == "acme/app#12"
