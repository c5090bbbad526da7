"""The dashboard's Eval pages: the list and one eval's report, outside text escaped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from factory.config import FactoryConfig, parse_config
from factory.eval.figures import figures
from factory.eval.results import TaskResult
from factory.store import Store
from factory.web.app import create_app

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def config(tmp_path: Path) -> FactoryConfig:
    data = {
        "factory": {"database_url": f"sqlite:///{tmp_path / 'factory.db'}"},
        "repos": {"svc": {"github": "acme/svc", "test_command": "pytest"}},
    }
    return parse_config(data, source="test", base_dir=tmp_path, environ={})


@pytest.fixture
def store(config: FactoryConfig) -> Iterator[Store]:
    with Store.open(config) as opened:
        yield opened


def test_the_eval_list_and_report_show_the_figures_and_escape_outside_text(
    config: FactoryConfig, store: Store
) -> None:
    record = store.evals.create("svc", "c" * 64, {"options": {"repeat": 1}, "tasks": ["a", "b"]})
    results = [
        TaskResult(
            instance_id="svc__a",
            resolved=True,
            cost_usd=0.5,
            reviewer_verdict="approve",
            decision_at={"L2": "merge", "L3": "merge"},
            ending="pr_open",
        ),
        TaskResult(
            instance_id="svc__b",
            resolved=False,
            cost_usd=0.25,
            failing=[HOSTILE],
            decision_at={"L2": "needs_human", "L3": "merge"},
            ending="pr_open",
        ),
    ]
    for result in results:
        store.evals.record_result(
            record.id,
            result.instance_id,
            0,
            run_id=None,
            status="done",
            result=result.model_dump(mode="json"),
        )
    store.evals.set_summary(record.id, figures(results).model_dump(mode="json"))
    store.evals.set_status(record.id, "finished")
    web = TestClient(create_app(config, store, None), follow_redirects=False)

    listing = web.get("/evals")
    assert listing.status_code == 200
    assert f'href="/evals/{record.id}"' in listing.text and "1/2" in listing.text
    assert 'href="/evals" class="here"' in listing.text

    page = web.get(f"/evals/{record.id}")
    assert page.status_code == 200
    assert "50% (1/2; 95% CI" in page.text  # resolved, and the false merge of svc__b
    assert "<svg" in page.text and "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "$0.3750" in page.text  # cost per task

    missing = web.get("/evals/e-nothere")
    assert missing.status_code == 404 and "no eval" in missing.text
