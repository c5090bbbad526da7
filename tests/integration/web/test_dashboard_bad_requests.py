"""Requests the dashboard cannot serve get a clean 4xx page, never a 500, on both store backends
(real SQLite and real PostgreSQL, whose text refuses the NUL character a URL can carry), and
change nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from fastapi.testclient import TestClient

from factory.config import FactoryConfig, parse_config
from factory.store import RunStatus, Store
from factory.web.app import create_app
from tests.support.databases import BACKENDS, scratch_database
from tests.support.web import SAME_ORIGIN

pytestmark = pytest.mark.integration

TOKEN = "t0ken"


@pytest.fixture(params=BACKENDS)
def config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FactoryConfig]:
    with scratch_database(request.param, tmp_path) as database:
        data = {
            "factory": {"database_url": database.url},
            "repos": {"svc": {"github": "acme/svc", "test_command": "pytest"}},
        }
        yield parse_config(data, source="test", base_dir=tmp_path, environ={})


@pytest.fixture
def store(config: FactoryConfig) -> Iterator[Store]:
    with Store.open(config) as opened:
        yield opened


@pytest.fixture
def web(config: FactoryConfig, store: Store) -> TestClient:
    return TestClient(create_app(config, store, TOKEN), follow_redirects=False, headers=SAME_ORIGIN)


class Answer(Protocol):
    """What the test client answers (its httpx flavour differs between Starlette versions)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...


def refused(answer: Answer, status: int) -> bool:
    """The dashboard's own message page with `status`: no traceback, no JSON error."""
    return answer.status_code == status and 'id="message"' in answer.text


def csrf_of(web: TestClient) -> str:
    assert web.post("/login", data={"token": TOKEN, "who": "ana"}).status_code == 303
    match = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/approvals").text)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize(
    "url",
    [
        "/runs/%00",
        "/runs/r-%00-1",
        "/sweeps/%00",
        "/runs?repo=%00",
        "/runs?sweep=sw%00",
        "/review?repo=%00",
        "/review?team=%00",
    ],
)
def test_an_id_or_filter_with_a_nul_character_is_a_bad_request(web: TestClient, url: str) -> None:
    assert refused(web.get(url), 400)


@pytest.mark.parametrize(
    "url",
    [
        "/runs?since=99999999d",
        "/runs?until=99999999w",
        "/review?since=99999999d",
        "/review?since=0001-01-01",
        "/review?since=1w&until=0001-01-02",
    ],
)
def test_a_time_out_of_the_calendar_is_a_bad_request(web: TestClient, url: str) -> None:
    assert refused(web.get(url), 400)


def test_unknown_ids_are_not_found(web: TestClient) -> None:
    assert refused(web.get("/runs/r-nothing"), 404)
    assert refused(web.get("/sweeps/sw-nothing"), 404)
    csrf = csrf_of(web)
    assert refused(web.post("/runs/r-nothing/approve", data={"csrf_token": csrf}), 404)


def test_a_form_with_a_nul_character_is_refused_and_changes_nothing(
    web: TestClient, store: Store
) -> None:
    csrf = csrf_of(web)
    halt = web.post("/halt", data={"csrf_token": csrf, "scope": "svc", "reason": "freeze\x00"})
    assert refused(halt, 400)
    assert refused(
        web.post("/halt", data={"csrf_token": csrf, "scope": "\x00", "reason": "x"}), 400
    )
    assert store.halts.active() == []
    run = store.runs.create("acme/svc#1", "svc", status=RunStatus.WAITING_APPROVAL)
    reject = web.post(f"/runs/{run.id}/reject", data={"csrf_token": csrf, "reason": "no\x00"})
    assert refused(reject, 400)
    assert store.runs.get(run.id).status == RunStatus.WAITING_APPROVAL
    # The same forms without the NUL still act.
    done = web.post("/halt", data={"csrf_token": csrf, "scope": "svc", "reason": "freeze"})
    assert done.status_code == 303 and [h.scope for h in store.halts.active()] == ["svc"]
