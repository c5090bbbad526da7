"""The morning report and the operational review as Markdown, with titles, names, owners,
reasons and errors written by an attacker: parsed back with markdown-it (GFM tables, as GitHub
and the dashboard read them), the document keeps exactly its own structure and pings nobody."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from factory.review.build import ReviewOptions, build_review
from factory.review.render import render_markdown
from factory.review.schema import Risk
from factory.store import Store
from factory.sweep.outcome import SweepRequest, SweepResult, TicketOutcome
from factory.sweep.report import build_report, to_markdown
from factory.sweep.selection import Skip, SkipReason
from tests.support.review_history import NOW, config_for

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
MENTION = re.compile(r"(?:^|[^\w`])@[A-Za-z0-9]")
HOSTILE = [
    "@alice @acme/security please look",
    "<img src=x onerror=alert(1)> <script>alert(2)</script>",
    "fine\n# Injected heading\n- injected item",
    "[click me](javascript:alert(document.cookie))",
    "a | b | c",
    "`@carol` &#64;dave",
]


def flatten(tokens: list[Token]) -> list[Token]:
    out = []
    for token in tokens:
        out.append(token)
        out.extend(flatten(token.children or []))
    return out


def assert_inert(markdown: str, headings: int) -> list[Token]:
    tokens = flatten(PARSER.parse(markdown))
    kinds = [t.type for t in tokens]
    assert "html_inline" not in kinds and "html_block" not in kinds
    assert kinds.count("heading_open") == headings
    hrefs = [t.attrGet("href") for t in tokens if t.type == "link_open"]
    assert all(str(href).startswith("https://") for href in hrefs), hrefs
    texts = [t.content for t in tokens if t.type == "text"]
    assert not [text for text in texts if MENTION.search(text)]
    return tokens


def outcome(n: int, title: str, status: str) -> TicketOutcome:
    return TicketOutcome(
        identity=f"acme/app#{n}",
        repo="app",
        title=title,
        action="start",
        run_id=f"r-{n:010d}",
        status=status,
        pr_number=n,
        pr_url=f"https://github.com/acme/app/pull/{n}" if n % 2 else "javascript:alert(1)",
        tests="red: 1 failed | @bob",
        reasons=[f"changes {title}"],
        owners=["@acme/security", "@mallory"],
        error=f"boom: {title}",
    )


def test_the_morning_report_renders_hostile_text_inert(tmp_path: Path) -> None:
    statuses = ["merged", "pr_open", "needs_human", "refused", "failed", "no_change"]
    outcomes = [
        outcome(n, HOSTILE[n % len(HOSTILE)], status)
        for n, status in enumerate(statuses * 2, start=1)
    ]
    skips = [
        Skip(identity=f"acme/app#{90 + n}", repo="app", title=title, reason=reason, detail=title)
        for n, (title, reason) in enumerate(zip(HOSTILE, list(SkipReason), strict=False))
    ]
    start = datetime(2026, 11, 20, 1, tzinfo=UTC)
    result = SweepResult(
        sweep_id="s-1",
        dry_run=False,
        request=SweepRequest(),
        started_at=start,
        finished_at=start,
        considered=len(outcomes) + len(skips),
        outcomes=outcomes,
        skips=skips,
    )
    report = build_report(result)
    markdown = to_markdown(report)

    sections = 1 + sum(1 for items in (report.merged, report.pull_requests,
                      report.waiting_for_human, report.refused, report.failed,
                      report.no_change) if items) + 1 + len({s.reason for s in skips})  # fmt: skip
    tokens = assert_inert(markdown, headings=sections)
    # The totals table keeps its two columns in every row.
    table = markdown.split("\n\n")[2]
    assert all(row.count(" | ") == 1 for row in table.splitlines()[2:]), table
    # One list item per ticket line, whatever its title holds.
    tickets = [t for t in tokens if t.type == "inline" and t.content.startswith("**acme/app#")]
    assert len(tickets) == len(outcomes) + len(skips)
    # The owners are named as written, inside code, so no one is notified.
    assert "`@acme/security,`" in markdown


def test_the_review_renders_hostile_titles_and_names_inert(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'factory.db'}") as store:
        config = config_for(tmp_path, {"svc": None})
        review = build_review(config, store, ReviewOptions(now=NOW, verify_audit=False))
    plain = len(
        [t for t in flatten(PARSER.parse(render_markdown(review))) if t.type == "heading_open"]
    )
    risks = [
        Risk(rank=n, severity="high", repo="svc", title=title, evidence=[title], action=title)
        for n, title in enumerate(HOSTILE, start=1)
    ]
    hostile = review.model_copy(update={"risks": risks, "notes": HOSTILE})

    markdown = render_markdown(hostile)

    # The notes' heading ("What the review could not see") is there now in any case.
    tokens = assert_inert(markdown, headings=plain + (0 if review.notes else 1))
    items = [t for t in tokens if t.type == "list_item_open"]
    assert len(items) >= len(risks) + len(HOSTILE)
