"""The eval report: Markdown cells and HTML escape outside text; JSON is the one source."""

import json
from pathlib import Path

from factory.eval.figures import figures
from factory.eval.report import build_report, render
from factory.eval.results import TaskResult
from factory.store import Store

HOSTILE = "x | <img src=x onerror=alert(1)> @everyone\nsecond line"


def test_every_format_renders_the_same_eval_and_escapes_what_came_from_outside(
    tmp_path: Path,
) -> None:
    with Store(f"sqlite:///{tmp_path / 'f.db'}") as store:
        record = store.evals.create("app", "d" * 64, {"options": {"repeat": 1}, "tasks": ["a"]})
        result = TaskResult(
            instance_id="app__a",
            resolved=False,
            cost_usd=None,
            error=HOSTILE,
            decision_at={"L2": "needs_human", "L3": "merge"},
        )
        store.evals.record_result(
            record.id,
            "app__a",
            0,
            run_id=None,
            status="done",
            result=result.model_dump(mode="json"),
        )
        store.evals.set_summary(record.id, figures([result]).model_dump(mode="json"))
        report = build_report(store, record.id)
    data = json.loads(render(report, "json"))
    assert data["schema_version"] == "1.0" and data["results"][0]["error"] == HOSTILE
    assert data["figures"]["cost_usd"] is None  # unknown, never $0
    markdown = render(report, "md")
    row = next(line for line in markdown.splitlines() if line.startswith("| app__a"))
    assert "x \\| &lt;img" in row and "@\u200beveryone" in row and "second line" in row
    assert "| cost | unknown |" in markdown
    html = render(report, "html")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<svg" in html and "<script" not in html
