"""Fuzzing ticket references and Markdown tickets: whatever a person types or pipes in, the
answer is a `Ticket` or a `TicketError` saying what to pass instead, never another exception."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from factory.tickets.markdown import MarkdownTicketSource, parse_markdown_ticket
from factory.tickets.model import Ticket, TicketError
from factory.tickets.resolve import resolve_ticket

FUZZ = settings(max_examples=300, deadline=None)

refs = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda owner, repo, number: f"{owner}/{repo}#{number}",
        st.text(max_size=8),
        st.text(max_size=8),
        st.text(max_size=6),
    ),
    st.builds(
        lambda host, path: f"https://{host}/{path}",
        st.sampled_from(["github.com", "gitlab.com", "example.org", "GITHUB.COM"]),
        st.text(max_size=40),
    ),
)


@FUZZ
@given(ref=refs)
def test_any_reference_resolves_or_says_what_to_pass(ref: str) -> None:
    sources = [MarkdownTicketSource(stdin=io.StringIO(""))]  # no token: nothing leaves the host
    try:
        ticket = resolve_ticket(ref, sources)
    except TicketError as error:
        assert str(error)
        return
    assert isinstance(ticket, Ticket)


front_matter = st.one_of(
    st.just(""),
    st.builds(lambda body: f"---\n{body}\n---\n", st.text(max_size=80)),
    st.builds(
        lambda key, value: f"---\n{key}: {value}\n---\n",
        st.sampled_from(["title", "repo", "labels", "priority", "other"]),
        st.text(max_size=20),
    ),
)


@FUZZ
@given(head=front_matter, body=st.text(max_size=200))
def test_any_markdown_text_becomes_a_ticket_or_a_ticket_error(head: str, body: str) -> None:
    try:
        ticket = parse_markdown_ticket(head + body, ref="-", fallback_title=None, source="stdin")
    except TicketError as error:
        assert str(error)
        return
    assert ticket.title and ticket.key
