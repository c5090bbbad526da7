"""A run's page shows its pull request's follow-up rounds, from the run's audit events, with
every recorded text escaped (a refusal's reason may quote a person's comment)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from factory.config import FactoryConfig, parse_config
from factory.store import Store
from factory.web.app import create_app
from tests.support.pull_request_history import (
    ci_round,
    merged_by_person,
    opened,
    rebased,
    refused,
    review_round,
)
from tests.support.review_history import History, days_ago
from tests.support.web import SAME_ORIGIN

HOSTILE = '<script>alert("round")</script>'


@pytest.fixture
def config(tmp_path: Path) -> FactoryConfig:
    data = {
        "factory": {"database_url": f"sqlite:///{tmp_path / 'factory.db'}"},
        "repos": {"svc": {"github": "acme/svc", "test_command": "pytest"}},
    }
    return parse_config(data, source="test", base_dir=tmp_path, environ={})


@pytest.fixture
def store(config: FactoryConfig) -> Iterator[Store]:
    with Store.open(config) as opened_store:
        yield opened_store


def test_the_run_page_lists_each_round_with_kind_outcome_head_cost_and_time(
    config: FactoryConfig, store: Store
) -> None:
    start = days_ago(2)
    hour = timedelta(hours=1)
    steps = [
        opened(start, 12),
        *review_round(start + 2 * hour, 1, cost=0.25, head_sha="feedc0de12345678"),
        rebased(start + 3 * hour),
        *ci_round(start + 3 * hour, 2, cost=None, outcome="no_change"),
        refused(start + 4 * hour, f"repeated feedback {HOSTILE}"),
        merged_by_person(start + 5 * hour, 12),
    ]
    run_id = History(store).run("svc", "T-9", at=start, status="merged", steps=steps)
    web = TestClient(create_app(config, store, None), headers=SAME_ORIGIN)
    page = web.get(f"/runs/{run_id}").text
    assert "Pull request #12" in page
    assert "1 review round · 1 requested change · 1 CI fix round · 1 rebase" in page
    rows = page.split('<table id="rounds">')[1].split("</table>")[0]
    assert '<tr data-round="1"><td class="num">1</td><td>review</td><td>pushed</td>' in rows
    assert "<code>feedc0de1234</code>" in rows and "$0.25" in rows
    assert '<tr data-round="2"><td class="num">2</td><td>ci</td><td>no_change</td>' in rows
    assert "unknown" in rows  # an unpriced round's cost is unknown, not $0
    assert f"{start + 2 * hour:%Y-%m-%d %H:%M:%S} UTC" in rows
    assert "follow-up cost <strong>unknown</strong>" in page
    assert "merged by alice after changes" in page
    assert HOSTILE not in page and html.escape(HOSTILE, quote=False) in page.replace("&#34;", '"')


def test_a_run_whose_pull_request_had_no_life_yet_shows_no_pull_request_section(
    config: FactoryConfig, store: Store
) -> None:
    run_id = History(store).run("svc", "T-10", at=days_ago(1), status="running")
    page = TestClient(create_app(config, store, None)).get(f"/runs/{run_id}").text
    assert 'id="pull-request"' not in page
