"""How commands write to the terminal: one JSON document for scripts, Rich for people.

Every Rich console of the CLI comes from `console()`, with markup off. Messages quote
configuration (`[repos."app"]`, `[pricing."<model>"]`, `[budgets]`) and text from outside
(ticket titles, branch names, model output); with markup on, Rich would take each bracketed
word for a style and drop it, and each `:name:` for an emoji. Colour comes from `style=` and
`rich.text.Text`, never from brackets inside a string. tests/unit/factory/cli/test_literal_text.py
keeps it that way.
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console


def console(*, stderr: bool = False, soft_wrap: bool = False) -> Console:
    """A console that prints text as written: no markup, no `:emoji:` codes, no automatic
    highlighting."""
    return Console(stderr=stderr, markup=False, emoji=False, highlight=False, soft_wrap=soft_wrap)


def print_json(value: Any) -> None:
    """One JSON document on stdout for scripts (no Rich, no wrapping).

    Text that is not valid Unicode (a file name's undecodable bytes arrive as lone surrogates)
    is written as `\\udcXX` escapes, never raw, so the document always parses.
    """
    text = json.dumps(value, indent=2, default=str, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, indent=2, default=str, ensure_ascii=True)
    typer.echo(text)
