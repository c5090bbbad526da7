"""Factory-wide spend limits on a real run: the models are an OpenAI-compatible server on
127.0.0.1 reached through the real SDK (1,050 tokens a call), the alert issue lives on the
GitHub fake, everything else is real."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import script
from tests.e2e.conftest import Workspace
from tests.support.fake_github import NAME, OWNER, FakeGitHub, serve_fake_github
from tests.support.model_wire import openai_body
from tests.support.wire_server import Answer, WireServer

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]

TRACKER = 7


@pytest.fixture
def model_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[WireServer]:
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


@pytest.fixture
def hub(tmp_path: Path, workspace: Workspace) -> Iterator[FakeGitHub]:
    with serve_fake_github(tmp_path / "github", workspace.repo) as fake:
        fake.add_issue(TRACKER, "Factory spend", "Alerts land here.", [])
        yield fake


def configure(ws: Workspace, url: str, *, model: str = "gpt-4.1-mini", limits: str) -> None:
    text = ws.config_path.read_text()
    start, end = text.index("[models.default]"), text.index("[repos.numerals]")
    models = f'[models.default]\nprovider = "openai"\nmodel = "{model}"\nbase_url = "{url}/v1"\n\n'
    tracker = f'[repos.tracker]\ngithub = "{OWNER}/{NAME}"\ntest_command = "true"\n\n'
    ws.config_path.write_text(text[:start] + models + tracker + text[end:] + "\n" + limits)


def serve(server: WireServer, *replies: dict[str, object]) -> None:
    for index, reply in enumerate(replies):
        server.answer(Answer(body=openai_body(reply, index)))


def env_for(hub: FakeGitHub) -> dict[str, str]:
    return {**os.environ, "GITHUB_TOKEN": hub.token, "GITHUB_API_URL": hub.api_url}


def test_a_run_reaching_the_daily_limit_halts_the_factory_and_resumes_once_unhalted(
    workspace: Workspace, model_server: WireServer, hub: FakeGitHub
) -> None:
    # 9,000 tokens a day: call 7 passes 80%, call 8 passes 90%, call 9 (the reviewer's first)
    # reaches 100%; the reviewer's second call must not happen.
    limits = (
        f'[limits]\ndaily_tokens = 9000\nalert_issue = {{ repo = "tracker", number = {TRACKER} }}\n'
    )
    configure(workspace, model_server.url, limits=limits)
    demo = script.demo_replies()
    serve(model_server, *demo[:9])
    env = env_for(hub)

    halted = workspace.cli("run", str(workspace.ticket), "--repo", "numerals", "--json", env=env)

    assert halted.returncode == 3, halted.stdout + halted.stderr
    (run,) = json.loads(workspace.cli("runs", "list", "--json", env=env).stdout)
    assert run["status"] == "halted" and run["tokens_in"] + run["tokens_out"] == 9 * 1050
    assert run["outcome"] == (
        "halted by limits: the factory has spent 100% of its daily token limit: 9,450 tokens "
        f"of 9,000 tokens ({_today()}, UTC)"
    )
    assert len(model_server.received) == 9 and model_server.answers == []
    with workspace.store() as store:
        (halt,) = store.halts.active()
        assert (halt.scope, halt.by) == ("all", "limits")
        kinds = [e.kind for e in store.events.read(run["id"])]
        alerts = [
            json.loads(e.payload) for e in store.events.read(run["id"]) if e.kind == "limits.alert"
        ]
    assert [a["percent"] for a in alerts] == [80, 90, 100]
    assert "factory.halted" in kinds and kinds.index("run.halted") > kinds.index("factory.halted")
    assert [number for number, _ in hub.comments] == [TRACKER] * 3
    assert "100% of its daily token limit" in hub.comments[-1][1]
    assert "halted until a person runs `factory unhalt`" in hub.comments[-1][1]
    assert "@" not in "".join(text for _, text in hub.comments)

    # Nothing new starts while the halt stands; a person lifts it; the run finishes, and the
    # spent limit raises no second alert or halt in the same day.
    refused = workspace.cli(
        "run", str(workspace.ticket), "--repo", "numerals", "--force-new", "--json", env=env
    )
    assert refused.returncode == 2 and "halted by limits" in refused.stdout
    lifted = workspace.cli("unhalt", "--all", "--by", "ops", env=env)
    assert lifted.returncode == 0, lifted.stdout + lifted.stderr
    serve(model_server, *demo[8:10])
    resumed = workspace.cli("resume", run["id"], "--json", env=env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "pr_open"
    with workspace.store() as store:
        assert store.halts.active() == []
        assert len(store.spend.alerts()) == 3
        assert store.spend.total("all", "day").tokens == 11 * 1050
    assert len(hub.comments) == 3


def test_dollar_limits_over_a_model_without_a_price_refuse_the_run_before_it_starts(
    workspace: Workspace, model_server: WireServer, hub: FakeGitHub
) -> None:
    configure(
        workspace,
        model_server.url,
        model="qwen3-coder",
        limits="[budgets]\nmax_tokens = 1000000\n\n[limits]\ndaily_usd = 5.0\n",
    )

    refused = workspace.cli(
        "run", str(workspace.ticket), "--repo", "numerals", "--json", env=env_for(hub)
    )

    assert refused.returncode == 2, refused.stdout + refused.stderr
    error = json.loads(refused.stdout)["error"]
    assert error["message"] == (
        "model 'qwen3-coder' has no price, so the dollar limits of [limits] cannot see what it "
        'spends: add [pricing."qwen3-coder"] with input and output (US dollars per million '
        "tokens), or set daily_tokens or monthly_tokens in [limits]"
    )
    assert json.loads(workspace.cli("runs", "list", "--json").stdout) == []
    assert model_server.received == []


def _today() -> str:
    from datetime import UTC, datetime

    return f"{datetime.now(UTC):%Y-%m-%d}"
