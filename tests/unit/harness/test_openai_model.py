"""OpenAIModel via the real openai SDK against a loopback server speaking chat completions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.config import OpenAIConfig
from harness.errors import MissingAPIKeyError, ModelAuthError, ModelUnavailableError
from harness.messages import Message, ToolCall, ToolSchema
from harness.model import RetryNotice
from harness.openai_model import OpenAIModel
from harness.retry import RetryPolicy

TOOLS = [ToolSchema(name="search", description="Search.", parameters={"type": "object"})]


def completion(message: dict[str, Any], finish: str = "stop", **usage: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-5.4-2026-03-05",
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 8, "total_tokens": 128, **usage},
    }


def make_model(wire: Any, sleeps: Any, retries: int = 3) -> OpenAIModel:
    config = OpenAIConfig(provider="openai", model="gpt-5.4", base_url=wire.url + "/v1")
    policy = RetryPolicy(max_retries=retries, base_delay_s=0.25, sleep=sleeps, jitter=lambda: 1.0)
    return OpenAIModel(config, api_key="sk-test-openai-key-0000000000", retry=policy, timeout_s=5)


def test_plain_text_reply_separates_cached_prompt_tokens(wire: Any, sleeps: Any) -> None:
    wire.reply(completion({"content": "Hi."}, prompt_tokens_details={"cached_tokens": 100}))
    reply = make_model(wire, sleeps).complete([Message.user("hi")], TOOLS, system="Be brief.")
    assert reply.text == "Hi."
    assert reply.stop_reason == "stop"
    assert reply.usage.input_tokens == 20
    assert reply.usage.cache_read_tokens == 100
    assert reply.usage.output_tokens == 8
    sent = wire.received[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-test-openai-key-0000000000"
    assert sent.body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent.body["tools"][0]["function"]["name"] == "search"


def test_tool_calls_are_parsed_and_history_round_trips(wire: Any, sleeps: Any) -> None:
    wire.reply(
        completion(
            {
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_9",
                        "type": "function",
                        "function": {"name": "search", "arguments": '{"pattern": "TODO"}'},
                    }
                ],
            },
            finish="tool_calls",
        )
    )
    model = make_model(wire, sleeps)
    reply = model.complete([Message.user("find todos")], TOOLS, system="s")
    assert reply.tool_calls == [ToolCall(id="call_9", name="search", arguments={"pattern": "TODO"})]

    wire.reply(completion({"content": "Found none."}))
    history = [
        Message.user("find todos"),
        Message(role="assistant", tool_calls=reply.tool_calls),
        Message.tool_result(reply.tool_calls[0], "no matches"),
    ]
    model.complete(history, TOOLS, system="s")
    sent = wire.received[1].body["messages"]
    assert sent[2]["tool_calls"][0]["function"]["arguments"] == json.dumps({"pattern": "TODO"})
    assert sent[3] == {"role": "tool", "tool_call_id": "call_9", "content": "no matches"}


def test_tool_arguments_that_are_not_json_are_kept_for_the_model_to_fix(
    wire: Any, sleeps: Any
) -> None:
    bad = {"id": "c1", "type": "function", "function": {"name": "search", "arguments": "{pat"}}
    wire.reply(completion({"content": None, "tool_calls": [bad]}, finish="tool_calls"))
    reply = make_model(wire, sleeps).complete([Message.user("x")], TOOLS, system="s")
    assert reply.tool_calls[0].invalid_arguments == "{pat"
    assert reply.tool_calls[0].arguments == {}


def test_rate_limit_honours_retry_after_ms(wire: Any, sleeps: Any) -> None:
    wire.reply(
        {"error": {"message": "Rate limit reached"}}, status=429, headers={"retry-after-ms": "1500"}
    )
    wire.reply(completion({"content": "ok"}))
    notices: list[RetryNotice] = []
    reply = make_model(wire, sleeps).complete(
        [Message.user("hi")], [], system="", on_retry=notices.append
    )
    assert reply.text == "ok"
    assert sleeps == [1.5]
    assert notices[0].status == 429 and "Rate limit reached" in notices[0].reason


def test_server_error_dropped_connection_and_malformed_json_are_retried(
    wire: Any, sleeps: Any
) -> None:
    wire.reply({"error": {"message": "overloaded"}}, status=503)
    wire.drop_connection()
    wire.reply_raw(b'{"choices": [')
    wire.reply(completion({"content": "finally"}))
    notices: list[RetryNotice] = []
    reply = make_model(wire, sleeps).complete(
        [Message.user("hi")], [], system="", on_retry=notices.append
    )
    assert reply.text == "finally"
    assert [n.attempt for n in notices] == [1, 2, 3]
    assert sleeps == [0.25, 0.5, 1.0]


def test_retries_are_bounded(wire: Any, sleeps: Any) -> None:
    for _ in range(3):
        wire.reply({"error": {"message": "down"}}, status=500)
    with pytest.raises(ModelUnavailableError, match="gave up after 2 retries"):
        make_model(wire, sleeps, retries=2).complete([Message.user("hi")], [], system="")
    assert len(wire.received) == 3


def test_rejected_key_fails_at_once_naming_the_variable(wire: Any, sleeps: Any) -> None:
    wire.reply({"error": {"message": "Incorrect API key provided"}}, status=401)
    with pytest.raises(ModelAuthError, match=r"OPENAI_API_KEY was rejected \(401\)"):
        make_model(wire, sleeps).complete([Message.user("hi")], [], system="")
    assert len(wire.received) == 1


def test_official_api_needs_a_key_but_a_local_server_does_not(
    wire: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY is not set"):
        OpenAIModel(OpenAIConfig(provider="openai", model="gpt-5.4"))
    local = OpenAIModel(OpenAIConfig(provider="openai", model="qwen3-coder", base_url=wire.url))
    wire.reply(completion({"content": "local"}))
    assert local.complete([Message.user("hi")], [], system="").text == "local"
    body = wire.received[0].body
    assert body["max_tokens"] == 8192 and body["temperature"] == 0.0
