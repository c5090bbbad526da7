"""A whole run through the real OpenAI SDK against a local OpenAI-compatible server, recorded
with `--record`, then replayed from that cassette to the same change."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from factory.demo.run_demo import prepare_demo
from tests.e2e import script
from tests.e2e.conftest import Workspace
from tests.support.wire_server import WireServer

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]

PROMPT_TOKENS, COMPLETION_TOKENS = 1000, 50


def completion(reply: dict[str, Any], index: int) -> dict[str, Any]:
    calls = [
        {
            "id": f"call_{index}_{n}",
            "type": "function",
            "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
        }
        for n, call in enumerate(reply["tool_calls"])
    ]
    return {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion",
        "created": 1_790_000_000,
        "model": "qwen3-coder",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply["text"], "tool_calls": calls},
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {
            "prompt_tokens": PROMPT_TOKENS,
            "completion_tokens": COMPLETION_TOKENS,
            "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
        },
    }


@pytest.fixture
def local_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[WireServer]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server = WireServer()
    server.serve()
    for index, reply in enumerate(script.demo_replies()):
        server.reply(completion(reply, index))
    try:
        yield server
    finally:
        server.close()


def use_local_model(workspace: Workspace, url: str) -> None:
    text = workspace.config_path.read_text()
    start = text.index("[models.default]")
    end = text.index("[repos.numerals]")
    models = (
        "[models.default]\n"
        'provider = "openai"\n'
        'model = "qwen3-coder"\n'
        f'base_url = "{url}/v1"\n\n'
        '[pricing."qwen3-coder"]\ninput = 1.0\noutput = 2.0\n\n'
    )
    workspace.config_path.write_text(text[:start] + models + text[end:])


def test_a_run_against_a_local_openai_compatible_server_is_recorded_and_replays(
    workspace: Workspace, local_model: WireServer, tmp_path: Path
) -> None:
    use_local_model(workspace, local_model.url)
    cassette = tmp_path / "recorded.jsonl"

    recorded = workspace.run_with(record=cassette)

    assert recorded.status.value == "pr_open", recorded.state.error
    assert len(local_model.received) == 10
    first = local_model.received[0]
    assert first.path == "/v1/chat/completions"
    assert "submit" in {tool["function"]["name"] for tool in first.body["tools"]}
    assert "<ticket>" in json.dumps(first.body["messages"])
    per_call = (PROMPT_TOKENS * 1.0 + COMPLETION_TOKENS * 2.0) / 1_000_000
    assert recorded.state.cost_usd == pytest.approx(10 * per_call)
    assert workspace.store().runs.get(recorded.run_id).cost_usd == pytest.approx(10 * per_call)
    lines = cassette.read_text().splitlines()
    assert len(lines) == 10 and all("request" in json.loads(line) for line in lines)
    change = workspace.git("diff", f"main..{recorded.state.branch}")

    replay_ws = Workspace(prepare_demo(workspace.root.parent / "replayed"))
    replayed = replay_ws.run(cassette)
    assert replayed.status.value == "pr_open"
    assert replay_ws.git("diff", f"main..{replayed.state.branch}") == change


def test_a_model_without_a_price_leaves_the_cost_unknown_everywhere(
    workspace: Workspace, local_model: WireServer
) -> None:
    use_local_model(workspace, local_model.url)
    text = workspace.config_path.read_text()
    text = text.replace('[pricing."qwen3-coder"]\ninput = 1.0\noutput = 2.0\n', "")
    text = text.replace(
        'autonomy = { min = "L1", max = "L1" }', 'autonomy = { min = "L3", max = "L3" }'
    )
    workspace.config_path.write_text(text + "\n[budgets]\nmax_usd = 5.0\nmax_tokens = 1000000\n")

    summary = workspace.run_with()

    assert summary.status.value == "waiting_approval", summary.state.decision
    assert summary.state.unpriced_calls == summary.state.model_calls == 10
    assert summary.state.decision is not None
    (budget,) = [v for v in summary.state.decision.verdicts if v.policy == "budget"]
    assert budget.outcome.value == "needs_human"
    assert "$5.00 limit could not be enforced: the cost is unknown" in budget.reasons[0]
    store = workspace.store()
    try:
        run = store.runs.get(summary.run_id)
        assert not run.cost_known and run.unpriced_calls == 10
        pull = store.pull_requests.get("numerals", 1)
        assert pull is not None
        calls = [
            json.loads(e.payload)
            for e in store.events.read(summary.run_id)
            if e.kind == "model.call"
        ]
    finally:
        store.close()
    assert len(calls) == 10 and all("cost_usd" not in call for call in calls)
    assert "cost unknown: 10 of 10 model calls used a model without a price" in pull.body
    assert "$0.0000" not in pull.body
    shown = json.loads(workspace.cli("runs", "show", summary.run_id, "--json").stdout)
    assert shown["cost_usd"] is None and shown["unpriced_calls"] == 10
    assert shown["tokens_in"] == 10 * PROMPT_TOKENS
    listed = workspace.cli("runs", "list", env={**os.environ, "COLUMNS": "200"})
    assert "unknown" in listed.stdout and "$0.00" not in listed.stdout
