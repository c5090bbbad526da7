"""The fault suite (`make chaos`): each fault is driven for real and each test asserts a clear
status, a resumable run, nothing lost and nothing left behind.

Runs use the e2e suite's demo workspace (real git, the real sandbox and store); models are
wire-format fakes on 127.0.0.1 reached through the real SDKs.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from sandboxes import labels
from tests.e2e.conftest import Workspace, workspace
from tests.support.wire_server import WireServer

__all__ = ["Workspace", "workspace"]


@pytest.fixture
def model_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[WireServer]:
    """A loopback server the run's models reach through the real OpenAI SDK."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server = WireServer()
    server.serve()
    try:
        yield server
    finally:
        server.close()


def use_openai_server(ws: Workspace, url: str, extra: str = "") -> None:
    """The demo's models become an OpenAI-compatible server at `url`, priced like gpt-4.1-mini."""
    text = ws.config_path.read_text()
    start, end = text.index("[models.default]"), text.index("[repos.numerals]")
    models = (
        f'[models.default]\nprovider = "openai"\nmodel = "gpt-4.1-mini"\nbase_url = "{url}/v1"\n\n'
        + extra
    )
    ws.config_path.write_text(text[:start] + models + text[end:])


def run_json(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    try:
        parsed: dict[str, object] = json.loads(done.stdout)
    except json.JSONDecodeError as error:
        raise AssertionError(f"exit {done.returncode}: {done.stdout}{done.stderr}") from error
    return parsed


def assert_nothing_left(ws: Workspace, run_id: str) -> None:
    """No container of the run, no worktree of it, and its audit chain verifies."""
    client = docker.from_env()
    found = client.api.containers(all=True, filters={"label": f"{labels.RUN}={run_id}"})
    client.close()
    assert found == [], [c["Id"][:12] for c in found]
    worktrees = Path(ws.config().factory.data_dir) / "worktrees"
    assert not (worktrees / run_id).exists()
    verified = ws.cli("audit", "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def events(ws: Workspace, run_id: str, kind: str) -> list[dict[str, object]]:
    with ws.store() as store:
        return [json.loads(e.payload) for e in store.events.read(run_id) if e.kind == kind]
