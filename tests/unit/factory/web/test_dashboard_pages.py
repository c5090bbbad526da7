"""The dashboard's pages and its guards, over HTTP (FastAPI's test client), on a store with a
known history. The real-browser flow with real runs is tests/e2e/test_dashboard_browser.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from factory.config import FactoryConfig, parse_config
from factory.store import Store
from factory.web.app import create_app
from tests.support.review_history import History, days_ago, merged_run_steps
from tests.support.web import SAME_ORIGIN

TOKEN = "t0ken"


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


def client(config: FactoryConfig, store: Store, token: str | None = TOKEN) -> TestClient:
    return TestClient(create_app(config, store, token), follow_redirects=False, headers=SAME_ORIGIN)


def log_in(web: TestClient, who: str = "ana") -> str:
    answer = web.post("/login", data={"token": TOKEN, "who": who})
    assert answer.status_code == 303
    page = web.get("/approvals").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def test_pages_render_the_record(config: FactoryConfig, store: Store) -> None:
    run_id = History(store).run(
        "svc",
        "T-1",
        at=days_ago(1),
        status="merged",
        steps=merged_run_steps(days_ago(1), days_ago(1) + timedelta(hours=2), "abc1234", cost=None),
    )
    web = client(config, store)
    review = web.get("/review?since=7d")
    assert review.status_code == 200
    assert "Operational review" in review.text
    assert "<svg" in review.text or "no data to draw" in review.text  # a chart, or why not
    assert "<script" not in review.text
    assert "default-src 'none'" in review.headers["content-security-policy"]
    runs = web.get("/runs?repo=svc&status=merged&since=30d")
    assert run_id in runs.text
    assert run_id not in web.get("/runs?status=failed").text
    page = web.get(f"/runs/{run_id}")
    assert page.status_code == 200
    assert 'id="audit-status" class="good">verifies' in page.text
    assert "1 model call with no known price" in page.text  # unknown cost, not $0
    stamps = re.findall(r"\d{4}-\d\d-\d\d[T ][\d:.]+(?:Z|[+-]\d\d:\d\d| UTC)?", page.text)
    assert stamps and all(re.fullmatch(r"[\d-]+ [\d:]+ UTC", s) for s in stamps), stamps
    assert 'http-equiv="refresh"' not in page.text  # a finished run does not poll
    assert web.get("/runs/r-nothing").status_code == 404
    assert web.get("/review?since=soon").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "/review?since=99999999d",
        "/review?until=9999-12-31",
        "/review?since=0001-01-01",
        "/review?since=2026-11-10&until=2026-11-01",
        "/runs?since=99999999d",
        "/runs?until=9999-12-31",
        "/runs?since=yesterday",
    ],
)
def test_a_time_out_of_range_is_a_400_naming_it(
    config: FactoryConfig, store: Store, query: str
) -> None:
    answer = client(config, store).get(query)
    assert answer.status_code == 400
    assert "century" in answer.text or "cannot read" in answer.text or "before" in answer.text


def test_a_live_run_page_refreshes_itself(config: FactoryConfig, store: Store) -> None:
    run_id = History(store).run("svc", "T-2", at=days_ago(0, 1), status="running")
    assert 'http-equiv="refresh"' in client(config, store).get(f"/runs/{run_id}").text


def test_actions_need_a_session_and_its_csrf_token(config: FactoryConfig, store: Store) -> None:
    web = client(config, store)
    assert web.post("/halt", data={"scope": "all", "reason": "x"}).status_code == 401
    assert web.post("/login", data={"token": "wrong", "who": "ana"}).status_code == 401
    csrf = log_in(web)
    assert web.post("/halt", data={"scope": "all", "reason": "x"}).status_code == 403
    forged = web.post("/halt", data={"csrf_token": "x" + csrf, "scope": "all", "reason": "x"})
    assert forged.status_code == 403
    assert store.halts.active() == []
    done = web.post("/halt", data={"csrf_token": csrf, "scope": "svc", "reason": "deploy freeze"})
    assert done.status_code == 303
    (halt,) = store.halts.active()
    assert (halt.scope, halt.by, halt.reason) == ("svc", "ana", "deploy freeze")
    assert "HALTED svc: deploy freeze (ana)" in web.get("/review").text
    assert web.post("/unhalt", data={"csrf_token": csrf, "scope": "svc"}).status_code == 303
    assert store.halts.active() == []


def test_approving_a_run_that_does_not_wait_is_refused(config: FactoryConfig, store: Store) -> None:
    run_id = History(store).run("svc", "T-3", at=days_ago(1), status="merged")
    web = client(config, store)
    csrf = log_in(web)
    answer = web.post(f"/runs/{run_id}/approve", data={"csrf_token": csrf})
    assert answer.status_code == 409 and "not waiting for approval" in answer.text


def test_without_a_token_the_dashboard_is_read_only(config: FactoryConfig, store: Store) -> None:
    web = client(config, store, token=None)
    assert "read-only" in web.get("/approvals").text
    refused = web.post("/login", data={"token": "", "who": "ana"})
    assert refused.status_code == 403 and "read-only" in refused.text
    assert web.post("/halt", data={"csrf_token": "x", "reason": "x"}).status_code == 403


def test_a_run_whose_driver_died_is_shown_interrupted_not_running(
    config: FactoryConfig, store: Store
) -> None:
    import socket
    import subprocess
    import sys

    from factory.store import LeaseOwner, RunStatus

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    run = store.runs.create("acme/svc#9", "svc", status=RunStatus.RUNNING)
    store.leases.acquire(run.id, LeaseOwner(socket.gethostname(), child.pid), 3600)
    web = client(config, store)
    listed = web.get("/runs").text
    assert f'{run.id}</a></td><td class="status">interrupted</td>' in listed
    assert run.id not in web.get("/runs?status=running").text
    assert run.id in web.get("/runs?status=interrupted").text
    assert (
        '<span class="status" id="run-status">interrupted</span>' in web.get(f"/runs/{run.id}").text
    )
