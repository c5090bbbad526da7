"""An eval as versioned JSON (the one source), and its Markdown and HTML renderings.

`docs/eval.schema.json` is generated from `EvalReport` (`eval_json_schema`). Every text
that came from outside (task ids, problem statements, errors) is escaped for the medium:
Jinja2's autoescape in HTML, `md_cell` in Markdown tables.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from factory.eval.figures import EvalFigures, Rate, figures
from factory.eval.results import TaskResult
from factory.store import Store

SCHEMA_VERSION = "1.0"
"""Bump the minor for added fields, the major for renamed or removed ones."""
Format = Literal["md", "html", "json"]


class EvalHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    repo: str
    config_hash: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    repeat: int
    tasks_asked: int


class EvalReport(BaseModel):
    """One eval: what was asked, every judged attempt, and the figures over them."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    eval: EvalHeader
    figures: EvalFigures
    results: list[TaskResult]


def build_report(store: Store, eval_id: str) -> EvalReport:
    record = store.evals.get(eval_id)
    params = json.loads(record.params)
    results = [
        TaskResult.model_validate_json(row.result)
        for row in store.evals.results([eval_id])
        if row.status in ("done", "error")
    ]
    return EvalReport(
        eval=EvalHeader(
            id=record.id,
            repo=record.repo,
            config_hash=record.config_hash,
            status=record.status,
            started_at=record.started_at,
            finished_at=record.finished_at,
            repeat=int(params.get("options", {}).get("repeat", 1)),
            tasks_asked=len(params.get("tasks", [])),
        ),
        figures=figures(results),
        results=results,
    )


def eval_json_schema() -> dict[str, Any]:
    schema = EvalReport.model_json_schema()
    schema["$id"] = f"https://agent-factory.local/eval.schema.{SCHEMA_VERSION}.json"
    schema["title"] = f"agent-factory eval report, schema {SCHEMA_VERSION}"
    return schema


def md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, newlines, HTML or @mentions."""
    value = str(text)
    for raw, safe in (
        ("\\", "\\\\"),
        ("|", "\\|"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ("`", "\\`"),
        ("[", "\\["),
        ("]", "\\]"),
        ("@", "@\u200b"),
    ):
        value = value.replace(raw, safe)
    return " ".join(value.split())


def money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.4f}"


def rate_chart(rows: Sequence[tuple[str, Rate]]) -> str:
    """Horizontal bars of rates with their 95% intervals, as inline SVG (matplotlib)."""
    import matplotlib
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 0.6 + 0.45 * len(rows)), dpi=96)
    axes = figure.add_subplot()
    for row, (_label, rate) in enumerate(rows):
        if rate.value is None or rate.low is None or rate.high is None:
            axes.barh(row, 0.0, color="#a0aec0")
            continue
        axes.barh(row, rate.value, color="#2b6cb0")
        axes.errorbar(
            rate.value,
            row,
            xerr=[[rate.value - rate.low], [rate.high - rate.value]],
            fmt="none",
            ecolor="#1a202c",
            capsize=4,
        )
    axes.set_yticks(range(len(rows)), [label for label, _rate in rows])
    axes.set_xlim(0, 1)
    axes.invert_yaxis()
    axes.set_xlabel("share of judged attempts (bars: 95% Wilson interval)")
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "agent-factory"}):
        figure.savefig(out, format="svg", bbox_inches="tight")
    text = out.getvalue()
    text = text[text.index("<svg") :]
    start, end = text.find("<metadata>"), text.find("</metadata>")
    if start != -1 and end != -1:
        text = text[:start] + text[end + len("</metadata>") :]
    return text


def headline_rows(f: EvalFigures) -> list[tuple[str, Rate]]:
    return [
        ("resolved", f.resolved),
        ("false merge (L3)", f.false_merge),
        ("reviewer precision", f.reviewer_precision),
        ("reviewer recall", f.reviewer_recall),
    ]


def render_markdown(report: EvalReport) -> str:
    f, head = report.figures, report.eval
    lines = [
        f"# Eval {head.id}: {md_cell(head.repo)}",
        "",
        f"Configuration `{head.config_hash[:12]}`, {head.status}, "
        f"{f.tasks} tasks x {head.repeat} ({f.attempts} attempts, {f.errors} not judged).",
        "",
        "| figure | value |",
        "| --- | --- |",
        f"| resolved | {f.resolved.text()} |",
        f"| false merge rate (unresolved, L3 would merge) | {f.false_merge.text()} |",
        f"| reviewer precision | {f.reviewer_precision.text()} |",
        f"| reviewer recall | {f.reviewer_recall.text()} |",
        f"| no change | {f.no_change} |",
        f"| cost | {money(f.cost_usd)} |",
        f"| cost per task | {money(f.cost_per_task)} |",
        f"| cost per resolved task | {money(f.cost_per_resolved)} |",
        f"| tokens | {f.tokens} |",
        "",
        "| task | # | resolved | ending | gate (L1) | L2 | L3 | reviewer | cost | tokens "
        "| wall s | rounds | evidence | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in report.results:
        note = r.error or (", ".join(r.failing[:3]) if r.failing else "")
        lines.append(
            "| "
            + " | ".join(
                md_cell(value)
                for value in (
                    r.instance_id,
                    r.attempt,
                    "yes" if r.resolved else "no",
                    r.ending or "",
                    r.gate_decision or "",
                    r.decision_at.get("L2", ""),
                    r.decision_at.get("L3", ""),
                    r.reviewer_verdict or "",
                    money(r.cost_usd),
                    r.tokens,
                    f"{r.wall_s:.1f}",
                    r.iterations,
                    r.evidence,
                    note,
                )
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Eval {{ r.eval.id }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1a202c; }
table { border-collapse: collapse; margin: 1rem 0; }
td, th { border: 1px solid #cbd5e0; padding: .25rem .5rem; text-align: left; }
.yes { color: #276749; } .no { color: #9b2c2c; }
</style></head><body>
<h1>Eval {{ r.eval.id }}: {{ r.eval.repo }}</h1>
<p>Configuration <code>{{ r.eval.config_hash[:12] }}</code>, {{ r.eval.status }},
{{ r.figures.tasks }} tasks &times; {{ r.eval.repeat }} ({{ r.figures.attempts }} attempts,
{{ r.figures.errors }} not judged).</p>
<table>
<tr><th>resolved</th><td>{{ r.figures.resolved.text() }}</td></tr>
<tr><th>false merge rate</th><td>{{ r.figures.false_merge.text() }}</td></tr>
<tr><th>reviewer precision</th><td>{{ r.figures.reviewer_precision.text() }}</td></tr>
<tr><th>reviewer recall</th><td>{{ r.figures.reviewer_recall.text() }}</td></tr>
<tr><th>cost per task</th><td>{{ money(r.figures.cost_per_task) }}</td></tr>
<tr><th>cost per resolved task</th><td>{{ money(r.figures.cost_per_resolved) }}</td></tr>
</table>
<figure>{{ chart | safe }}</figure>
<table>
<tr><th>task</th><th>#</th><th>resolved</th><th>ending</th><th>gate</th><th>L2</th><th>L3</th>
<th>reviewer</th><th>cost</th><th>tokens</th><th>wall s</th><th>rounds</th><th>evidence</th>
<th>note</th></tr>
{% for t in r.results %}
<tr><td>{{ t.instance_id }}</td><td>{{ t.attempt }}</td>
<td class="{{ 'yes' if t.resolved else 'no' }}">{{ 'yes' if t.resolved else 'no' }}</td>
<td>{{ t.ending or '' }}</td><td>{{ t.gate_decision or '' }}</td>
<td>{{ t.decision_at.get('L2', '') }}</td><td>{{ t.decision_at.get('L3', '') }}</td>
<td>{{ t.reviewer_verdict or '' }}</td><td>{{ money(t.cost_usd) }}</td><td>{{ t.tokens }}</td>
<td>{{ '%.1f' % t.wall_s }}</td><td>{{ t.iterations }}</td><td>{{ t.evidence }}</td>
<td>{{ t.error or (t.failing[:3] | join(', ')) }}</td></tr>
{% endfor %}
</table></body></html>
"""


def render_html(report: EvalReport) -> str:
    from jinja2 import Environment

    env = Environment(autoescape=True)
    template = env.from_string(_HTML)
    chart = rate_chart(headline_rows(report.figures))
    return template.render(r=report, chart=chart, money=money)


def render(report: EvalReport, fmt: Format) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2)
    if fmt == "html":
        return render_html(report)
    return render_markdown(report)
