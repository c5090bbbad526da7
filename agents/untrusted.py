"""Untrusted text, cleaned before an agent reads it.

A ticket, a pull request comment or a review comment is read by people as rendered Markdown.
Whatever renders as nothing (invisible Unicode, HTML comments, Markdown's `[//]: #` comment
idiom) is seen by a model and by no reviewer, which is why injected instructions hide there.
`clean_untrusted` removes exactly that and leaves every visible character as it was; the
`Cleaning` it returns says what was removed, for the run's audit chain.

What counts as invisible:

- `zero_width`: zero-width space, (non-)joiner, word joiner, invisible operators, BOM,
  combining grapheme joiner, Hangul fillers, soft hyphen;
- `bidi`: bidirectional marks, embeddings, overrides and isolates (U+200E-F, U+202A-E,
  U+2066-9, U+061C);
- `tag`: the tag block U+E0000-E007F (ASCII smuggled in "tag" characters);
- `variation_selector`: U+FE00-FE0F, U+E0100-E01EF, Mongolian U+180B-180F (data smuggled
  after an emoji);
- `control`: C0 and C1 control characters other than tab, line feed and carriage return;
- `other_invisible`: every other default-ignorable code point or format character (Unicode
  `Cf`), except the prepended concatenation marks, which render;
- `html_comment`: `<!-- ... -->` (also `<!-->`, and an unclosed `<!--` to the end), even
  inside a code block, where a person would see it: safety before fidelity;
- `markdown_comment`: a line `[anything]: #` or `[anything]: <>` (a link definition used as
  a comment).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

SAMPLE_CHARS = 200
"""At most this much of the hidden text is kept in the record: enough to see the attempt,
never a copy of a large payload."""

_ZERO_WIDTH = frozenset(
    [0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x180E, 0x034F]
    + [0x115F, 0x1160, 0x3164, 0xFFA0, 0x17B4, 0x17B5, 0x00AD]
)
_BIDI = frozenset([0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_PREPENDED_MARKS = frozenset(
    [*range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x110BD, 0x110CD]
)
"""Format characters that render (Arabic number signs and the like): never removed."""
_DEFAULT_IGNORABLE = (
    (0x2065, 0x206F),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0080, 0xE00FF),
    (0xE01F0, 0xE0FFF),
)
"""Unicode's Default_Ignorable_Code_Point ranges not named above (DerivedCoreProperties.txt):
reserved today, rendered as nothing whenever they are assigned."""

HTML_COMMENT = re.compile(r"<!--(?:-?>|.*?--!?>|.*\Z)", re.S)
"""HTML's comment forms: `<!-- ... -->` (or `--!>`), the empty `<!-->` and `<!--->`, and an
unclosed one, which hides the rest of the document."""
MARKDOWN_COMMENT = re.compile(r" {0,3}\[[^\]]+\]:[ \t]*(?:#|<>)(?:[ \t].*)?")
"""A link definition pointing nowhere: Markdown's comment idiom (`[//]: # (hidden)`)."""


def invisible_kind(char: str) -> str | None:
    """The kind of invisible character `char` is, or None when it is visible (or whitespace)."""
    code = ord(char)
    if code in _ZERO_WIDTH:
        return "zero_width"
    if code in _BIDI:
        return "bidi"
    if 0xE0000 <= code <= 0xE007F:
        return "tag"
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF or 0x180B <= code <= 0x180F:
        return "variation_selector"
    category = unicodedata.category(char)
    if category == "Cc":
        return None if char in "\t\n\r" else "control"
    if category == "Cf" and code not in _PREPENDED_MARKS:
        return "other_invisible"
    if any(low <= code <= high for low, high in _DEFAULT_IGNORABLE):
        return "other_invisible"
    return None


@dataclass
class Cleaning:
    """Clean text and what was taken out of it: counts per kind, and short samples."""

    text: str
    removed: dict[str, int] = field(default_factory=dict)
    """Characters removed per invisible kind; for comments, how many comments."""
    samples: dict[str, str] = field(default_factory=dict)
    """The start of what was hidden: a comment's text, the ASCII a run of tag characters
    spells; at most `SAMPLE_CHARS` each."""

    @property
    def changed(self) -> bool:
        return bool(self.removed)

    def record(self) -> dict[str, object]:
        """The audit record: counts and kinds, the removed characters' total, and samples."""
        return {"removed": dict(self.removed), "samples": dict(self.samples)}


def clean_untrusted(text: str) -> Cleaning:
    """`text` without what renders as nothing; every visible character kept, in order.

    Comments are cut first, from the text as it renders: an invisible character that breaks
    `<!-` from `-` leaves a comment visible, and so it stays."""
    removed: dict[str, int] = {}
    samples: dict[str, str] = {}
    text = _cut(HTML_COMMENT, text, "html_comment", removed, samples)
    text, found = _markdown_comments(text)
    if found:
        removed["markdown_comment"] = len(found)
        samples["markdown_comment"] = _sample(found)
    kept: list[str] = []
    smuggled: list[str] = []
    for char in text:
        kind = invisible_kind(char)
        if kind is None:
            kept.append(char)
            continue
        removed[kind] = removed.get(kind, 0) + 1
        if kind == "tag" and len(smuggled) < SAMPLE_CHARS and 0x20 <= ord(char) - 0xE0000 < 0x7F:
            smuggled.append(chr(ord(char) - 0xE0000))
    if smuggled:
        samples["tag"] = "".join(smuggled)
    return Cleaning("".join(kept), removed, samples)


def removal_record(fields: Mapping[str, str]) -> dict[str, object] | None:
    """What cleaning takes out of each named field (counts, kinds, samples), for the audit
    chain; None when every field was clean already."""
    changed = {
        name: cleaning.record()
        for name, cleaning in ((name, clean_untrusted(text)) for name, text in fields.items())
        if cleaning.changed
    }
    return {"fields": changed} if changed else None


def _cut(
    pattern: re.Pattern[str],
    text: str,
    kind: str,
    removed: dict[str, int],
    samples: dict[str, str],
) -> str:
    found = pattern.findall(text)
    if not found:
        return text
    removed[kind] = len(found)
    samples[kind] = _sample(found)
    return pattern.sub("", text)


def _markdown_comments(text: str) -> tuple[str, list[str]]:
    """`text` without its comment lines. Like any link definition, one is a comment only at
    the start, after a blank line or after another definition: inside a paragraph it shows."""
    kept: list[str] = []
    found: list[str] = []
    may_start = True
    for line in text.splitlines(keepends=True):
        if may_start and MARKDOWN_COMMENT.fullmatch(line.rstrip("\r\n")):
            found.append(line)
            continue
        kept.append(line)
        may_start = not line.strip()
    return "".join(kept), found


def _sample(found: list[str]) -> str:
    shown = "".join(char for char in " ".join(found) if invisible_kind(char) is None)
    return " ".join(shown.split())[:SAMPLE_CHARS]
