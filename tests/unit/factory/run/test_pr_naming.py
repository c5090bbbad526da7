"""A pull request names its ticket the way people do: the issue, the file's id or its name,
never the (often temporary) path the ticket file was typed as."""

from pathlib import Path

from factory.run.pr_body import pull_request_body, pull_request_title
from factory.run.state import RunState
from factory.tickets import Ticket, resolve_ticket


def _state(ticket: Ticket) -> RunState:
    return RunState(
        run_id="r-1", ticket=ticket, repo="demo", base_branch="main", branch="factory/x"
    )


def test_a_ticket_file_is_named_by_its_file_name_not_its_path(tmp_path: Path) -> None:
    folder = tmp_path / "tmpk3j2h1"
    folder.mkdir()
    ticket_file = folder / "pager-bug.md"
    ticket_file.write_text("# Pager skips the last page\n\nWith 11 items...\n")
    state = _state(resolve_ticket(str(ticket_file)))

    title = pull_request_title(state)
    body = pull_request_body(state, "r-1")

    assert title == "Pager skips the last page (pager-bug.md)"
    assert body.splitlines()[0] == "Closes pager-bug.md."
    assert str(folder) not in title + body


def test_a_front_matter_id_names_the_ticket(tmp_path: Path) -> None:
    ticket_file = tmp_path / "t.md"
    ticket_file.write_text("---\nid: PAGER-12\ntitle: Pager skips the last page\n---\nBody\n")
    state = _state(resolve_ticket(str(ticket_file)))
    assert pull_request_title(state) == "Pager skips the last page (PAGER-12)"
    assert pull_request_body(state, "r-1").startswith("Closes PAGER-12.")


def test_a_github_issue_is_named_by_its_reference() -> None:
    ticket = Ticket(key="7", ref="acme/app#7", title="Crash", source="github")
    assert pull_request_title(_state(ticket)) == "Crash (acme/app#7)"
    assert pull_request_body(_state(ticket), "r-1").startswith("Closes acme/app#7.")
