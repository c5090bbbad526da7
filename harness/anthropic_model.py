"""`AnthropicModel`: the Messages API with tools and prompt-caching breakpoints."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import anthropic

from harness.config import AnthropicConfig
from harness.messages import Message, ModelReply, ToolCall, ToolSchema, Usage
from harness.provider_errors import api_key_from_env, classify_failure
from harness.retry import Retryable, RetryPolicy
from harness.sdk_model import SDKModel

KEY_ENV = "ANTHROPIC_API_KEY"
CACHE = {"type": "ephemeral"}


class AnthropicModel(SDKModel[AnthropicConfig]):
    """Talks to Anthropic (or a compatible proxy at `config.base_url`). Retries are ours."""

    def __init__(
        self,
        config: AnthropicConfig,
        *,
        api_key: str | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 600.0,
    ) -> None:
        super().__init__(config, retry=retry)
        key = api_key or api_key_from_env(KEY_ENV, "Anthropic")
        # The SDK's own retries are off so every retry is ours, bounded, and reported.
        self._client = anthropic.Anthropic(
            api_key=key, base_url=config.base_url, max_retries=0, timeout=timeout_s
        )

    def build_request(
        self, messages: Sequence[Message], tools: Sequence[ToolSchema], system: str
    ) -> dict[str, Any]:
        return build_request(self.config, messages, tools, system)

    def attempt(self, request: dict[str, Any]) -> ModelReply:
        try:
            response = self._client.messages.create(**request)
        except (anthropic.AnthropicError, json.JSONDecodeError) as exc:
            raise classify_failure(exc, provider="Anthropic", key_env=KEY_ENV) from exc
        return parse_response(response.model_dump())


def build_request(
    config: AnthropicConfig, messages: Sequence[Message], tools: Sequence[ToolSchema], system: str
) -> dict[str, Any]:
    wire_tools: list[dict[str, Any]] = [
        {"name": t.name, "description": t.description, "input_schema": t.parameters} for t in tools
    ]
    # Breakpoints: tools and system never change within a run; the history up to the latest
    # message is the prefix the next call will repeat. That is three of the four allowed.
    if wire_tools:
        wire_tools[-1] = {**wire_tools[-1], "cache_control": CACHE}
    wire_messages = to_wire_messages(messages)
    if wire_messages and wire_messages[-1]["content"]:
        last_block = wire_messages[-1]["content"][-1]
        wire_messages[-1]["content"][-1] = {**last_block, "cache_control": CACHE}
    request: dict[str, Any] = {
        "model": config.model,
        # No `temperature`: the current Messages API no longer accepts one.
        "max_tokens": config.max_tokens,
        "messages": wire_messages,
    }
    if system:
        request["system"] = [{"type": "text", "text": system, "cache_control": CACHE}]
    if wire_tools:
        request["tools"] = wire_tools
    return request


def to_wire_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Neutral history to Anthropic turns: tool results ride in user turns; same roles merge."""
    turns: list[dict[str, Any]] = []
    for message in messages:
        role = "assistant" if message.role == "assistant" else "user"
        blocks: list[dict[str, Any]] = []
        if message.role == "tool":
            blocks.append(
                {
                    "type": "tool_result",
                    "tool_use_id": message.tool_call_id,
                    "content": message.text or "(no output)",
                    "is_error": message.is_error,
                }
            )
        else:
            blocks.extend(message.reasoning)
            if message.text:
                blocks.append({"type": "text", "text": message.text})
            blocks.extend(
                {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
                for call in message.tool_calls
            )
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    return turns


def parse_response(body: dict[str, Any]) -> ModelReply:
    if not isinstance(body.get("content"), list):
        raise Retryable("Anthropic sent a reply without content blocks")
    texts: list[str] = []
    calls: list[ToolCall] = []
    reasoning: list[dict[str, Any]] = []
    for block in body["content"]:
        if block.get("type") in ("thinking", "redacted_thinking"):
            reasoning.append({key: value for key, value in block.items() if value is not None})
        elif block.get("type") == "text":
            texts.append(block.get("text", ""))
        elif block.get("type") == "tool_use":
            arguments = block.get("input")
            if isinstance(arguments, dict):
                calls.append(ToolCall(id=block["id"], name=block["name"], arguments=arguments))
            else:
                calls.append(
                    ToolCall(id=block["id"], name=block["name"], invalid_arguments=str(arguments))
                )
    usage = body.get("usage") or {}
    return ModelReply(
        text="\n".join(texts),
        tool_calls=calls,
        usage=Usage(
            input_tokens=usage.get("input_tokens") or 0,
            output_tokens=usage.get("output_tokens") or 0,
            cache_read_tokens=usage.get("cache_read_input_tokens") or 0,
            cache_write_tokens=usage.get("cache_creation_input_tokens") or 0,
        ),
        model=body.get("model") or "",
        stop_reason=body.get("stop_reason") or "",
        reasoning=reasoning,
    )
