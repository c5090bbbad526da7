"""Where a sweep's tickets come from: GitHub issues by label, `backlog_dir`, the store's backlog.

Each source yields `BacklogTicket`s for one configured repository. A ticket found by two
sources (the same Markdown ticket in `backlog_dir` and added with `factory ticket add`) is one
ticket: `gather_backlog` keeps the first by identity. A source that cannot be read (a bad
file, GitHub refusing the token) becomes a `BacklogProblem` the report lists; the rest of the
backlog is still swept.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from factory.config import FactoryConfig, RepoConfig
from factory.git.worktree import slugify
from factory.store import Store, TicketRecord
from factory.support.utc import as_utc
from factory.tickets.github import GitHubIssueSource
from factory.tickets.identity import ticket_identity
from factory.tickets.markdown import parse_markdown_ticket
from factory.tickets.model import Ticket, TicketError
from factory.tickets.resolve import default_ticket_sources

BacklogSourceKind = Literal["github", "backlog_dir", "store"]
BACKLOG_REF_PREFIX = "backlog:"
MARKDOWN_SUFFIXES = (".md", ".markdown")

_PRIORITY_WORDS = {
    "critical": 0,
    "urgent": 0,
    "blocker": 0,
    "highest": 0,
    "high": 1,
    "medium": 2,
    "normal": 2,
    "low": 3,
    "lowest": 4,
}
NORMAL_PRIORITY = 2


class BacklogTicket(BaseModel):
    """A ticket the sweep may work on, with where it came from and how urgent and old it is."""

    model_config = ConfigDict(frozen=True)

    identity: str
    repo: str
    """The configured repository name the ticket's run will target."""
    ticket: Ticket
    source: BacklogSourceKind
    origin: str
    """The issue URL, the file, or `store` for `factory ticket add`."""
    opened_at: datetime

    @property
    def priority_rank(self) -> int:
        """0 is most urgent: `critical`/`p0` < `high`/`p1` < unset/`normal` < `low`/`p3`."""
        return priority_rank(self.ticket.priority)


class BacklogProblem(BaseModel):
    """A source, or one ticket in it, the sweep could not read."""

    repo: str
    origin: str
    message: str


def priority_rank(priority: str | None) -> int:
    if priority is None or not priority.strip():
        return NORMAL_PRIORITY
    text = priority.strip().lower()
    numbered = re.fullmatch(r"p?(\d+)", text)
    if numbered:
        return int(numbered.group(1))
    return _PRIORITY_WORDS.get(text, NORMAL_PRIORITY)


def github_issue_source(environ: dict[str, str] | None = None) -> GitHubIssueSource | None:
    """The GitHub ticket source (GITHUB_TOKEN, GITHUB_API_URL), or None without a token."""
    for source in default_ticket_sources(environ):
        if isinstance(source, GitHubIssueSource):
            return source
    return None


def labelled_issues(
    name: str, repo: RepoConfig, label: str, source: GitHubIssueSource | None
) -> tuple[list[BacklogTicket], list[BacklogProblem]]:
    """The repository's open GitHub issues with `label` (nothing for a repo not on GitHub)."""
    if repo.github is None:
        return [], []
    if source is None:
        return [], [
            BacklogProblem(repo=name, origin=repo.github, message="GITHUB_TOKEN is not set")
        ]
    try:
        found = source.labelled(repo.github, label)
    except TicketError as error:
        return [], [BacklogProblem(repo=name, origin=repo.github, message=str(error))]
    tickets = [
        BacklogTicket(
            identity=ticket_identity(name, ticket),
            repo=name,
            ticket=ticket,
            source="github",
            origin=ticket.url or ticket.ref,
            opened_at=as_utc(opened) if opened is not None else datetime.now(UTC),
        )
        for ticket, opened in found
    ]
    return tickets, []


def backlog_dir_tickets(
    name: str, repo: RepoConfig
) -> tuple[list[BacklogTicket], list[BacklogProblem]]:
    """Markdown tickets in the repository's `backlog_dir`; a file's age is its modification time.

    Only files inside the folder are read: a symlink leading out of it (which would make any
    file this user can read a ticket, sent to a model and quoted in a pull request) is refused,
    and a dangling one is reported, each as a problem of the sweep, never dropped unsaid."""
    directory = repo.backlog_dir
    if directory is None:
        return [], []
    if not directory.is_dir():
        problem = BacklogProblem(
            repo=name, origin=str(directory), message="backlog_dir is not a directory"
        )
        return [], [problem]
    tickets: list[BacklogTicket] = []
    problems: list[BacklogProblem] = []
    inside = directory.resolve()
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in MARKDOWN_SUFFIXES:
            continue
        refused = _refused_entry(path, inside)
        if refused is not None:
            problems.append(BacklogProblem(repo=name, origin=str(path), message=refused))
            continue
        if path.is_dir():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            ticket = parse_markdown_ticket(
                text, ref=str(path), fallback_title=path.stem, source="markdown"
            )
        except (OSError, UnicodeDecodeError, TicketError) as error:
            problems.append(BacklogProblem(repo=name, origin=str(path), message=str(error)))
            continue
        tickets.append(
            BacklogTicket(
                identity=ticket_identity(name, ticket),
                repo=name,
                ticket=ticket,
                source="backlog_dir",
                origin=str(path),
                opened_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
            )
        )
    return tickets, problems


def _refused_entry(path: Path, inside: Path) -> str | None:
    """Why a `.md` entry of backlog_dir is not read as a ticket, or None when it is a file."""
    if path.is_symlink():
        target = os.readlink(path)
        if not path.exists():
            return f"dangling symlink to {target}: no ticket read"
        if not path.resolve().is_relative_to(inside):
            return f"symlink leading out of backlog_dir (to {target}): refused, not read"
    if path.exists() and not path.is_file() and not path.is_dir():
        return "not a regular file (a FIFO or a device): not read"
    return None


def store_backlog_tickets(store: Store, name: str) -> list[BacklogTicket]:
    """Tickets put in the backlog with `factory ticket add` for this repository."""
    return [_store_ticket(row) for row in store.tickets.backlog(repo=name)]


def backlog_reference(identity: str) -> str:
    """How a run job names a ticket of the store's backlog (`backlog:<identity>`): workers
    share the store, so they read it there (it has no file to read again)."""
    return f"{BACKLOG_REF_PREFIX}{identity}"


def find_backlog_ticket(store: Store, reference: str) -> BacklogTicket | None:
    """The store's backlog ticket a `backlog:<identity>` reference names, if it is there."""
    row = store.tickets.in_backlog(reference.removeprefix(BACKLOG_REF_PREFIX))
    return _store_ticket(row) if row is not None and row.repo else None


def _store_ticket(row: TicketRecord) -> BacklogTicket:
    name = str(row.repo)
    ticket = Ticket(
        key=slugify(row.title, limit=40) or "ticket",
        ref=row.ref,
        title=row.title[:500],
        body=row.body,
        labels=_labels(row.labels),
        priority=row.priority,
        repo=name,
        source="markdown",
    )
    return BacklogTicket(
        identity=row.ref,
        repo=name,
        ticket=ticket,
        source="store",
        origin="store",
        opened_at=row.created_at,
    )


def gather_backlog(
    config: FactoryConfig,
    store: Store,
    repos: Sequence[str],
    *,
    label: str | None = None,
    github: GitHubIssueSource | None = None,
) -> tuple[list[BacklogTicket], list[BacklogProblem]]:
    """Every ticket of every named repository, one per identity, in source order."""
    tickets: list[BacklogTicket] = []
    problems: list[BacklogProblem] = []
    for name in repos:
        repo = config.repo(name)
        from_github, github_problems = labelled_issues(
            name, repo, label or repo.backlog_label, github
        )
        from_dir, dir_problems = backlog_dir_tickets(name, repo)
        tickets += [*from_github, *from_dir, *store_backlog_tickets(store, name)]
        problems += [*github_problems, *dir_problems]
    seen: set[str] = set()
    unique: list[BacklogTicket] = []
    for item in tickets:
        if item.identity not in seen:
            seen.add(item.identity)
            unique.append(item)
    return unique, problems


def _labels(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(label) for label in value] if isinstance(value, list) else []


def add_to_backlog(
    config: FactoryConfig, store: Store, text: str, *, origin: str, repo: str | None
) -> BacklogTicket:
    """`factory ticket add`: parse a Markdown ticket and keep it in the store's backlog.

    The repository is `repo`, else the ticket's `repo:` front matter, else the only configured
    one. Adding the same ticket again (same title, same repository) refreshes it.
    """
    fallback = None if origin == "-" else Path(origin).stem
    ticket = parse_markdown_ticket(text, ref=origin, fallback_title=fallback, source="markdown")
    wanted = repo or ticket.repo
    if wanted is None:
        if len(config.repos) != 1:
            known = ", ".join(sorted(config.repos)) or "none configured"
            raise TicketError(
                f"which repository is ticket {origin} for? pass --repo NAME "
                f"or set `repo:` in its front matter (configured: {known})"
            )
        wanted = next(iter(config.repos))
    config.repo(wanted)  # an unknown name is a ConfigError naming the known ones
    identity = ticket_identity(wanted, ticket)
    row = store.tickets.add_to_backlog(
        identity,
        title=ticket.title,
        body=ticket.body,
        repo=wanted,
        labels=ticket.labels,
        priority=ticket.priority,
    )
    return BacklogTicket(
        identity=identity,
        repo=wanted,
        ticket=ticket,
        source="store",
        origin="store",
        opened_at=row.created_at,
    )
