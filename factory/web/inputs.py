"""What the dashboard refuses before any route reads a request: text no record can hold.

Ids, filters and form fields reach the store as SQL parameters; PostgreSQL's text refuses the
NUL character outright (SQLite would merely find nothing), so a request carrying one is
answered 400 here instead of failing as a database error inside a page.
"""

from __future__ import annotations

from fastapi import Request


class BadRequest(Exception):
    """A request the dashboard cannot serve as sent; the message says what is wrong."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def refuse_unstorable_text(request: Request) -> None:
    """A FastAPI dependency of every dashboard route: path, query and form values without NUL."""
    values = [*request.path_params.values(), *request.query_params.values()]
    if request.method == "POST":
        # Every dashboard form has Form() parameters, so FastAPI parsed the body before
        # solving dependencies; this is Starlette's cached copy, not a second read.
        form = await request.form()
        values += [value for value in form.values() if isinstance(value, str)]
    if any("\x00" in str(value) for value in values):
        raise BadRequest("the address or form holds a NUL character; no id, name or text may")
