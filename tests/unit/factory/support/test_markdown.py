"""Text from outside renders in Markdown as the text it is: no markup, no link, no ping, and
a table keeps its shape. Checked by parsing the output with markdown-it (CommonMark with GFM
tables and strikethrough, as GitHub and the dashboard read it), for chosen attacks and for any
text hypothesis finds."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from factory.support.markdown import block, cell, code, fenced, inline, link

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
GITHUB_MENTION = re.compile(r"(?:^|[^\w`])@[A-Za-z0-9]")
"""What GitHub pings: `@name` not preceded by a word character (its filter reads the text)."""
MARKUP = {
    "html_inline",
    "html_block",
    "link_open",
    "image",
    "heading_open",
    "bullet_list_open",
    "ordered_list_open",
    "blockquote_open",
    "hr",
    "code_block",
    "fence",
    "em_open",
    "strong_open",
    "s_open",
}
# Printable text and every kind of line break; NUL is replaced by every Markdown parser.
TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    max_size=80,
) | st.lists(
    st.sampled_from(
        [
            "@bob",
            "@org/team",
            "`",
            "``",
            "|",
            "<b>",
            "&#64;",
            "\\",
            "*",
            "_",
            "[",
            "](",
            "#",
            "\n",
            "\r\n",
            "\u2028",
            "- ",
            "1. ",
            "> ",
            "===",
            "javascript:",
            "!",
            "~~",
            " ",
            "x",
        ]
    ),
    max_size=12,
).map("".join)


def flatten(tokens: list[Token]) -> list[Token]:
    out = []
    for token in tokens:
        out.append(token)
        out.extend(flatten(token.children or []))
    return out


def visible_text(tokens: list[Token]) -> str:
    return "".join(t.content for t in tokens if t.type in ("text", "code_inline"))


def plain_text_nodes(tokens: list[Token]) -> list[str]:
    return [t.content for t in tokens if t.type == "text"]


def squeezed(text: str) -> str:
    """The text without its whitespace, which Markdown trims and folds as it likes."""
    return "".join(text.split())


def table_with(value: str) -> list[Token]:
    return PARSER.parse(f"| a | b |\n| --- | --- |\n| {value} | end |\n")


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_text_in_a_table_cell_keeps_the_table_and_reads_as_written(text: str) -> None:
    tokens = table_with(cell(text))
    kinds = [t.type for t in tokens]
    assert kinds.count("tr_open") == 2 and kinds.count("td_open") == 2  # header row + one row
    inline_tokens = [t for t in tokens if t.type == "inline"]
    body_cell = flatten(inline_tokens[2].children or [])
    assert not MARKUP & {t.type for t in body_cell}
    assert squeezed(visible_text(body_cell)) == squeezed(text)
    assert inline_tokens[3].content == "end"
    assert not any(GITHUB_MENTION.search(node) for node in plain_text_nodes(body_cell))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_text_as_paragraph_lines_starts_no_block_and_pings_nobody(text: str) -> None:
    tokens = flatten(PARSER.parse(f"Before.\n\n{block(text)}\n\nAfter.\n"))
    assert not MARKUP & {t.type for t in tokens}
    assert not any(GITHUB_MENTION.search(node) for node in plain_text_nodes(tokens))
    assert "After." in [t.content for t in tokens if t.type == "inline"]


@pytest.mark.parametrize(
    ("attack", "shown"),
    [
        ("@alice please merge", "@alice please merge"),
        ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
        ("[click](javascript:alert(1))", "[click](javascript:alert(1))"),
        ("a | b | c", "a | b | c"),
        ("fix\n# Injected heading\n- item", "fix # Injected heading - item"),
        ("&#64;carol", "&#64;carol"),
        ("`@dave`", "`@dave`"),
    ],
)
def test_chosen_attacks_render_as_their_own_text(attack: str, shown: str) -> None:
    tokens = flatten(PARSER.parse(f"- **T-1** {inline(attack)}\n"))
    assert not MARKUP - {"bullet_list_open", "strong_open"} & {t.type for t in tokens}
    assert visible_text(tokens) == f"T-1 {shown}"


def test_a_word_holding_a_mention_becomes_code() -> None:
    assert inline("ask @bob, please") == "ask `@bob,` please"
    assert inline("mail ops@example.com") == "mail `ops@example.com`"
    assert inline("@0@0") == "`@0@0`"


def test_code_spans_and_fences_cannot_be_closed_from_inside() -> None:
    span = flatten(PARSER.parse(code("a`b``c")))
    assert [t.content for t in span if t.type == "code_inline"] == ["a`b``c"]
    in_table = table_with(code("x|y", in_table=True))
    assert sum(t.type == "td_open" for t in in_table) == 2
    fence = PARSER.parse(fenced('{"x": "```\\n@bob <b>"}\n```\n# not a heading'))
    assert [t.type for t in fence] == ["fence"]


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://github.com/acme/app/pull/1", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<b>", False),
        ('https://x.example/"onmouseover="', False),
        (None, False),
    ],
)
def test_links_go_only_to_http_addresses(url: str | None, linked: bool) -> None:
    tokens: list[Any] = flatten(PARSER.parse(link("PR #1", url)))
    hrefs = [t.attrGet("href") for t in tokens if t.type == "link_open"]
    assert hrefs == ([url] if linked else [])
