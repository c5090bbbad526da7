"""Tickets written as Markdown: a file, or `-` for standard input, with optional front matter.

```
---
id: PAGER-12
title: Pager skips the last page
repo: demo
labels: [bug]
priority: high
---
Body text...
```
Without a `title`, the first `# heading` is the title, else the file name. `id` is how pull
requests name the ticket (default: the file's name).
"""

import hashlib
import re
import sys
from pathlib import Path
from typing import Any, TextIO

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from factory.git.worktree import slugify
from factory.tickets.model import MAX_TICKET_CHARS, Ticket, TicketError, TicketNotFound

_FRONT_MATTER = re.compile(
    r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)?^---[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE
)
_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


class FrontMatter(BaseModel):
    """The keys a ticket file may set; anything else is a typo worth hearing about."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    title: str | None = None
    repo: str | None = None
    labels: list[str] = []
    priority: str | None = None
    initiative: str | None = None
    """Becomes the label `initiative:<name>`, which is how the review groups tickets."""

    @field_validator("labels", mode="before")
    @classmethod
    def _labels_from_text(cls, value: Any) -> Any:
        return (
            [part.strip() for part in value.split(",") if part.strip()]
            if isinstance(value, str)
            else value
        )

    @field_validator("id", "priority", "title", "repo", "initiative", mode="before")
    @classmethod
    def _scalar_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


class MarkdownTicketSource:
    """Reads a Markdown ticket file by path, or standard input for `-`."""

    def __init__(self, stdin: TextIO | None = None) -> None:
        self._stdin = stdin

    def handles(self, ref: str) -> bool:
        return ref == "-" or ref.endswith((".md", ".markdown", ".txt")) or Path(ref).is_file()

    def fetch(self, ref: str) -> Ticket:
        if ref == "-":
            stream = self._stdin or sys.stdin
            text = stream.read(MAX_TICKET_CHARS + 1)
            if not text.strip():
                raise TicketError(
                    "the ticket on standard input is empty: pipe the ticket's Markdown in, "
                    "e.g. `factory run - < ticket.md`"
                )
            return parse_markdown_ticket(text, ref="-", fallback_title=None, source="stdin")
        path = Path(ref)
        if not path.is_file():
            raise TicketNotFound(
                f"ticket file {ref} not found; pass a Markdown file, `-` for stdin, "
                "or a GitHub issue (owner/repo#123)"
            )
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise TicketError(f"cannot read ticket file {ref}: {error}") from error
        return parse_markdown_ticket(
            text, ref=printable(str(path)), fallback_title=printable(path.stem), source="markdown"
        )


def printable(name: str) -> str:
    """A file name as valid Unicode: bytes that are not UTF-8 (which Python keeps as lone
    surrogates) become `\\xff` escapes, so records, branches and JSON can hold the name."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def parse_markdown_ticket(
    text: str, *, ref: str, fallback_title: str | None, source: str
) -> Ticket:
    """Build a Ticket from Markdown text with optional YAML front matter."""
    if len(text) > MAX_TICKET_CHARS:
        raise TicketError(f"ticket {ref} is longer than {MAX_TICKET_CHARS} characters; shorten it")
    meta, body = _split_front_matter(text, ref)
    heading = _HEADING.search(body)
    title = meta.title or (heading.group(1).strip() if heading else None) or fallback_title
    if not title or not title.strip():
        raise TicketError(f"ticket {ref} has no title; add `title:` front matter or a `# heading`")
    if not body.strip() and not meta.title:
        raise TicketError(f"ticket {ref} is empty; write what should change")
    key_basis = fallback_title if fallback_title else title
    key = slugify(key_basis, limit=40) or hashlib.sha256(text.encode()).hexdigest()[:10]
    return Ticket(
        key=key,
        ref=ref,
        title=title.strip()[:500],
        body=body.strip(),
        labels=meta.labels + ([f"initiative:{meta.initiative}"] if meta.initiative else []),
        priority=meta.priority,
        repo=meta.repo,
        source="stdin" if source == "stdin" else "markdown",
        url=None if ref == "-" else printable(Path(ref).resolve().as_uri()),
        id=meta.id.strip()[:80] if meta.id and meta.id.strip() else None,
    )


def _split_front_matter(text: str, ref: str) -> tuple[FrontMatter, str]:
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if match is None:
        return FrontMatter(), text
    try:
        raw = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise TicketError(f"ticket {ref}: front matter is not valid YAML ({error})") from error
    if not isinstance(raw, dict):
        raise TicketError(f"ticket {ref}: front matter must be `key: value` lines")
    try:
        meta = FrontMatter.model_validate(raw)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise TicketError(
            f"ticket {ref}: front matter `{where}`: {problem['msg']} "
            "(allowed keys: id, title, repo, labels, priority, initiative)"
        ) from error
    return meta, text.lstrip("\ufeff")[match.end() :]
