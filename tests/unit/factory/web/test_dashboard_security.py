"""The dashboard's defences besides the token and the CSRF token: a form must come from the
dashboard's own origin, a method or address it does not serve is a clean refusal page, an
unknown halt scope is named, and it will not listen beyond loopback without a token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from factory.config import FactoryConfig, parse_config
from factory.store import Store
from factory.web.app import create_app
from factory.web.server import ServeRefused, check_exposure
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


@pytest.fixture
def web(config: FactoryConfig, store: Store) -> TestClient:
    return TestClient(create_app(config, store, TOKEN), follow_redirects=False)


def refusal(answer: object, status: int) -> bool:
    """The dashboard's own message page with `status`, never a framework error or traceback."""
    text = answer.text  # type: ignore[attr-defined]
    return (
        answer.status_code == status  # type: ignore[attr-defined]
        and 'id="message"' in text
        and "Traceback" not in text
    )


def logged_in_csrf(web: TestClient) -> str:
    assert web.post("/login", data={"token": TOKEN, "who": "ana"}, headers=SAME_ORIGIN).is_redirect
    match = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/approvals").text)
    assert match is not None
    return match.group(1)


def test_a_form_from_another_origin_is_refused_even_with_session_and_csrf(
    web: TestClient, store: Store
) -> None:
    csrf = logged_in_csrf(web)
    form = {"csrf_token": csrf, "scope": "all", "reason": "x"}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver.evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
        {},
    ):
        assert refusal(web.post("/halt", data=form, headers=headers), 403), headers
    assert store.halts.active() == []
    # A browser that sends only a Referer of this dashboard is let through.
    same_page = {"Referer": "http://testserver/approvals"}
    assert web.post("/halt", data=form, headers=same_page).status_code == 303
    assert [halt.scope for halt in store.halts.active()] == ["all"]


def test_logging_in_from_another_origin_is_refused(web: TestClient) -> None:
    answer = web.post(
        "/login", data={"token": TOKEN, "who": "ana"}, headers={"Origin": "https://evil.example"}
    )
    assert refusal(answer, 403) and "set-cookie" not in answer.headers


@pytest.mark.parametrize("url", ["/halt", "/unhalt", "/logout", "/runs/r-1/approve"])
def test_an_action_asked_for_with_get_is_refused(web: TestClient, url: str) -> None:
    assert refusal(web.get(url), 405)


@pytest.mark.parametrize(
    "url", ["/nothing-here", "/runs/r-1/nothing", "/static/../../etc/passwd", "/%2e%2e/x"]
)
def test_an_unknown_address_is_a_clean_not_found_page(web: TestClient, url: str) -> None:
    assert refusal(web.get(url), 404)


def test_unhalting_an_unknown_scope_is_refused_naming_it(web: TestClient, store: Store) -> None:
    csrf = logged_in_csrf(web)
    answer = web.post("/unhalt", data={"csrf_token": csrf, "scope": "nope"}, headers=SAME_ORIGIN)
    assert refusal(answer, 400) and "nope" in answer.text
    # A halt on a repository no longer configured can still be lifted.
    store.halts.add("retired", "moved away", "human:ops")
    lifted = web.post("/unhalt", data={"csrf_token": csrf, "scope": "retired"}, headers=SAME_ORIGIN)
    assert lifted.status_code == 303 and store.halts.active() == []


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "dashboard.example.com"])
def test_serving_beyond_loopback_without_a_token_is_refused(host: str) -> None:
    with pytest.raises(ServeRefused, match="FACTORY_WEB_TOKEN"):
        check_exposure(host, None)
    check_exposure(host, "a-token")  # with a token it may


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_needs_no_token(host: str) -> None:
    check_exposure(host, None)
