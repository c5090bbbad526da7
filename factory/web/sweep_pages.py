"""The dashboard's sweeps: the list (status, when, headline numbers) and one sweep's page.

A sweep's page shows the morning report the sweep module wrote when it ended: the same
Markdown `factory sweeps show` prints (`factory.sweep.report.to_markdown`), turned into HTML
with raw HTML disabled (ticket titles are untrusted text). A sweep whose process died wrote no
report; its page lists the runs it drove, as every sweep's page does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from factory.store import Run, Store
from factory.store.models import Sweep
from factory.store.sweeps import observed_sweep_status
from factory.support.errors import FactoryError
from factory.sweep.report import MorningReport, to_markdown

PAGE = 100
# CommonMark with tables, and raw HTML in the source shown as text rather than passed through.
_MARKDOWN = MarkdownIt("js-default")


class SweepNotFoundError(FactoryError, KeyError):
    code = "not_found"

    def __str__(self) -> str:
        return f"no sweep {self.args[0]!r}; the sweeps page lists them"


@dataclass
class SweepRow:
    id: str
    status: str
    """As observed: a `running` sweep whose process is gone is `interrupted`."""
    owner: str
    started_at: datetime
    finished_at: datetime | None
    report: MorningReport | None
    """None until the sweep ends (or forever, when its process died)."""

    @property
    def totals(self) -> dict[str, Any]:
        return self.report.totals() if self.report is not None else {}


@dataclass
class SweepPage:
    sweep: SweepRow
    params: dict[str, Any]
    report_html: Markup | None
    runs: list[Run] = field(default_factory=list)


def _row(sweep: Sweep) -> SweepRow:
    stored = json.loads(sweep.totals or "{}")
    return SweepRow(
        id=sweep.id,
        status=observed_sweep_status(sweep),
        owner=sweep.owner,
        started_at=sweep.started_at,
        finished_at=sweep.finished_at,
        report=MorningReport.model_validate(stored) if stored else None,
    )


def list_sweep_rows(store: Store, limit: int = PAGE) -> list[SweepRow]:
    """Newest first."""
    return [_row(sweep) for sweep in store.sweeps.latest(limit=limit)]


def sweep_page(store: Store, sweep_id: str) -> SweepPage:
    """One sweep's page; SweepNotFoundError when there is no such sweep."""
    found = store.sweeps.get(sweep_id)
    if found is None:
        raise SweepNotFoundError(sweep_id)
    row = _row(found)
    html = Markup(_MARKDOWN.render(to_markdown(row.report))) if row.report is not None else None
    return SweepPage(
        sweep=row,
        params=json.loads(found.params or "{}"),
        report_html=html,
        runs=store.runs.of_sweep(sweep_id),
    )
