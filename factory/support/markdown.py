"""Text from outside, made inert in Markdown: the one escaping every Markdown renderer uses.

Ticket titles, branch and file names, model output and review comments reach the morning
report, the operational review, pull request bodies and forge comments. Whoever wrote them is
untrusted, and each renderer (GitHub, the dashboard's markdown-it) would otherwise obey them:

- a line break starts a heading, a list or a table row of the attacker's choosing: `inline`
  folds every line break into a space, and `block` keeps lines but neutralises what a line
  may start with (`#`, `>`, `-`, `+`, `*`, `=`, `1.`, indentation);
- `<b>`, `<img src=x onerror=...>` and entities are HTML: `<`, `>` and `&` are escaped;
- `[text](javascript:...)`, images and reference links need `[` and `]`: they are escaped;
- `|` ends a table cell early, so it is escaped everywhere;
- `@someone` and `@org/team` ping people when a report is posted: the word holding a mention
  becomes a code span, which GitHub never links or notifies (a backslash or an entity would
  still ping, since GitHub reads mentions from the rendered text);
- backticks, `*`, `_` and `~` would open spans that swallow the renderer's own markup (or pair
  with the code span of a mention and free it), so they are escaped too.

Escaping is by backslash, which CommonMark and GitHub render as the bare character, so the
reader sees the text as it was written. `link` makes a link only to an http(s) address.
"""

from __future__ import annotations

import re

_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~])")
_WORD = r"[^\s\\`*_\[\]<>&|~]*"
_MENTIONING_WORD = re.compile(_WORD + r"@[A-Za-z0-9]" + _WORD)
"""A word (up to whitespace or an escaped character) that holds `@name` anywhere in it."""
_LINE_START = re.compile(r"^(\s*)(\d{1,9}[.)]|-+|\++|#{1,6}|=+)(?=\s|$)")
"""What opens a block at a line's start: a list marker (`-`, `+`, `1.`, `1)`), a heading's
`#`s, or a setext underline or thematic break (`===`, `---`), when followed by a space or
the line's end."""
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$", re.IGNORECASE)


def inline(text: object) -> str:
    """`text` as one line of inert Markdown: for a list item, a heading or a table cell."""
    return _line_start(_escape(_LINE_BREAKS.sub(" ", str(text))))


cell = inline
"""A table cell: `inline` already escapes `|` and folds line breaks, which end a row."""


def block(text: object) -> str:
    """`text` as inert Markdown paragraphs: its lines kept, none of them able to start a
    heading, list, quote, table or code block."""
    lines = _LINE_BREAKS.sub("\n", str(text)).split("\n")
    return "\n".join(_line_start(_escape(line.lstrip())) for line in lines)


def code(text: object, *, in_table: bool = False) -> str:
    """`text` as an inline code span that it cannot close early (file paths, ids, commands).

    In a table cell GitHub splits the row at a `|` even inside a code span unless it is
    escaped, and there (only) the escape is rendered as the bare `|`."""
    value = _LINE_BREAKS.sub(" ", str(text))
    if in_table:
        value = value.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def fenced(text: object, info: str = "") -> str:
    """`text` as a fenced code block it cannot close early (JSON, logs, command output)."""
    value = str(text)
    longest = max((len(run) for run in re.findall(r"^\s*(`{3,})", value, re.M)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{value.rstrip()}\n{fence}"


def link(text: object, url: str | None) -> str:
    """A link to `url` when it is a plain http(s) address; otherwise the text alone."""
    label = inline(text)
    if url and _SAFE_URL.match(url):
        return f"[{label}]({url.replace('(', '%28').replace(')', '%29')})"
    return label


def _escape(text: str) -> str:
    # Mentions become code spans after escaping, so their backticks are the only live ones.
    # The whole word goes into the span: GitHub reads each text node on its own, so `x@bob`
    # split into `x` and a span would leave a text node starting with `@bob` after it.
    escaped = _SPECIAL.sub(r"\\\1", text)
    return _MENTIONING_WORD.sub(lambda m: f"`{m.group(0)}`", escaped)


def _line_start(line: str) -> str:
    def defused(found: re.Match[str]) -> str:
        indent, marker = found.groups()
        if marker[0].isdigit():  # `12.` becomes `12\.`: a backslash before a digit is kept
            return f"{indent}{marker[:-1]}\\{marker[-1]}"
        return f"{indent}\\{marker}"

    return _LINE_START.sub(defused, line, count=1)
