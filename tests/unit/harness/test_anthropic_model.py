"""AnthropicModel via the real anthropic SDK against a loopback server speaking Messages."""

from __future__ import annotations

from typing import Any

import pytest

from harness.anthropic_model import AnthropicModel
from harness.config import AnthropicConfig
from harness.errors import (
    MissingAPIKeyError,
    ModelAuthError,
    ModelRequestError,
    ModelUnavailableError,
)
from harness.messages import Message, ToolCall, ToolSchema
from harness.model import RetryNotice
from harness.retry import RetryPolicy

TOOLS = [ToolSchema(name="view_file", description="Show a file.", parameters={"type": "object"})]


def message_body(content: list[dict[str, Any]], **usage: int) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-5-5-20260918",
        "content": content,
        "stop_reason": "tool_use" if any(b["type"] == "tool_use" for b in content) else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5, **usage},
    }


def make_model(wire: Any, sleeps: Any, retries: int = 3) -> AnthropicModel:
    config = AnthropicConfig(provider="anthropic", model="claude-sonnet-5-5", base_url=wire.url)
    policy = RetryPolicy(max_retries=retries, base_delay_s=0.5, sleep=sleeps, jitter=lambda: 1.0)
    return AnthropicModel(config, api_key="sk-ant-test-key", retry=policy, timeout_s=5)


def test_plain_text_reply_carries_usage_including_cache_tokens(wire: Any, sleeps: Any) -> None:
    wire.reply(
        message_body(
            [{"type": "text", "text": "Hello."}],
            cache_read_input_tokens=300,
            cache_creation_input_tokens=40,
        )
    )
    reply = make_model(wire, sleeps).complete([Message.user("hi")], TOOLS, system="Be brief.")
    assert reply.text == "Hello."
    assert reply.tool_calls == []
    assert reply.model == "claude-sonnet-5-5-20260918"
    assert reply.stop_reason == "end_turn"
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (10, 5)
    assert (reply.usage.cache_read_tokens, reply.usage.cache_write_tokens) == (300, 40)
    sent = wire.received[0]
    assert sent.path == "/v1/messages"
    assert "sk-ant-test-key" in (sent.headers.get("x-api-key", "") + sent.headers["authorization"])


def test_tool_use_reply_becomes_tool_calls(wire: Any, sleeps: Any) -> None:
    wire.reply(
        message_body(
            [
                {"type": "text", "text": "Looking."},
                {"type": "tool_use", "id": "toolu_1", "name": "view_file", "input": {"path": "a"}},
            ]
        )
    )
    reply = make_model(wire, sleeps).complete([Message.user("hi")], TOOLS, system="s")
    assert reply.tool_calls == [ToolCall(id="toolu_1", name="view_file", arguments={"path": "a"})]
    assert reply.stop_reason == "tool_use"


def test_request_marks_cache_breakpoints_and_groups_tool_results(wire: Any, sleeps: Any) -> None:
    wire.reply(message_body([{"type": "text", "text": "ok"}]))
    call_a = ToolCall(id="t1", name="view_file", arguments={"path": "a"})
    call_b = ToolCall(id="t2", name="view_file", arguments={"path": "b"})
    history = [
        Message.user("task"),
        Message(role="assistant", text="two reads", tool_calls=[call_a, call_b]),
        Message.tool_result(call_a, "A"),
        Message.tool_result(call_b, "no such file", is_error=True),
    ]
    make_model(wire, sleeps).complete(history, TOOLS, system="rules")
    body = wire.received[0].body
    assert body["system"] == [
        {"type": "text", "text": "rules", "cache_control": {"type": "ephemeral"}}
    ]
    assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert [turn["role"] for turn in body["messages"]] == ["user", "assistant", "user"]
    results = body["messages"][2]["content"]
    assert [r["tool_use_id"] for r in results] == ["t1", "t2"]
    assert results[1]["is_error"] is True
    assert results[-1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in results[0]


def test_rate_limit_waits_as_long_as_retry_after_says_then_succeeds(wire: Any, sleeps: Any) -> None:
    wire.reply(
        {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}},
        status=429,
        headers={"retry-after": "7"},
    )
    wire.reply(message_body([{"type": "text", "text": "done"}]))
    notices: list[RetryNotice] = []
    reply = make_model(wire, sleeps).complete(
        [Message.user("hi")], [], system="s", on_retry=notices.append
    )
    assert reply.text == "done"
    assert sleeps == [7.0]
    assert [(n.attempt, n.status) for n in notices] == [(1, 429)]
    assert "slow down" in notices[0].reason


def test_server_error_and_dropped_connection_are_retried(wire: Any, sleeps: Any) -> None:
    wire.reply({"type": "error", "error": {"type": "api_error", "message": "boom"}}, status=500)
    wire.drop_connection()
    wire.reply(message_body([{"type": "text", "text": "third time"}]))
    reply = make_model(wire, sleeps).complete([Message.user("hi")], [], system="s")
    assert reply.text == "third time"
    assert len(wire.received) == 3
    assert sleeps == [0.5, 1.0]  # exponential: base, then twice base


def test_malformed_json_is_retried_then_reported_clearly(wire: Any, sleeps: Any) -> None:
    for _ in range(3):
        wire.reply_raw(b'{"id": "msg_1", "content": [')
    with pytest.raises(ModelUnavailableError, match="not valid JSON.*gave up after 2 retries"):
        make_model(wire, sleeps, retries=2).complete([Message.user("hi")], [], system="s")
    assert len(wire.received) == 3


def test_rejected_key_fails_at_once_naming_the_variable(wire: Any, sleeps: Any) -> None:
    wire.reply(
        {
            "type": "error",
            "error": {"type": "authentication_error", "message": "invalid x-api-key"},
        },
        status=401,
    )
    with pytest.raises(ModelAuthError, match=r"ANTHROPIC_API_KEY was rejected \(401\)"):
        make_model(wire, sleeps).complete([Message.user("hi")], [], system="s")
    assert len(wire.received) == 1
    assert sleeps == []


def test_bad_request_fails_at_once_with_the_servers_reason(wire: Any, sleeps: Any) -> None:
    wire.reply(
        {"type": "error", "error": {"type": "invalid_request_error", "message": "prompt too long"}},
        status=400,
    )
    with pytest.raises(ModelRequestError, match=r"\(400\): prompt too long"):
        make_model(wire, sleeps).complete([Message.user("hi")], [], system="s")
    assert len(wire.received) == 1


def test_missing_key_names_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="ANTHROPIC_API_KEY is not set"):
        AnthropicModel(AnthropicConfig(provider="anthropic"))


def test_thinking_blocks_are_sent_back_with_the_tool_calls_they_led_to(
    wire: Any, sleeps: Any
) -> None:
    thinking = {"type": "thinking", "thinking": "Check the file first.", "signature": "sig=="}
    wire.reply(
        message_body(
            [
                thinking,
                {"type": "tool_use", "id": "toolu_7", "name": "view_file", "input": {"path": "a"}},
            ]
        )
    )
    model = make_model(wire, sleeps)
    reply = model.complete([Message.user("task")], TOOLS, system="s")
    assert reply.reasoning == [thinking]
    wire.reply(message_body([{"type": "text", "text": "done"}]))
    history = [
        Message.user("task"),
        Message(role="assistant", tool_calls=reply.tool_calls, reasoning=reply.reasoning),
        Message.tool_result(reply.tool_calls[0], "contents"),
    ]
    model.complete(history, TOOLS, system="s")
    assistant = wire.received[1].body["messages"][1]
    assert assistant["content"][0] == thinking
    assert assistant["content"][1]["type"] == "tool_use"
