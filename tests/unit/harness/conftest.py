"""Fixtures: a scripted HTTP server on 127.0.0.1 answering in a provider's wire format."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.wire_server import Answer, Received, WireServer

__all__ = ["Answer", "Received", "WireServer"]


@pytest.fixture
def wire() -> Iterator[WireServer]:
    server = WireServer()
    server.serve()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    # Loopback only: a proxy from the environment must never carry test traffic elsewhere.
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


class RecordedSleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()
