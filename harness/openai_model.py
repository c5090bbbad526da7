"""`OpenAIModel`: chat completions with tools, on OpenAI or any compatible `base_url`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import openai

from harness.config import OpenAIConfig
from harness.messages import Message, ModelReply, ToolCall, ToolSchema, Usage
from harness.provider_errors import api_key_from_env, classify_failure
from harness.retry import Retryable, RetryPolicy
from harness.sdk_model import SDKModel

KEY_ENV = "OPENAI_API_KEY"
# Reasoning models reject a temperature other than the default.
FIXED_TEMPERATURE_PREFIXES = ("o1", "o3", "o4", "gpt-5")


class OpenAIModel(SDKModel[OpenAIConfig]):
    """OpenAI itself, or Ollama / vLLM / llama.cpp / LM Studio through `config.base_url`.

    A local server needs no key: without OPENAI_API_KEY a placeholder is sent.
    """

    def __init__(
        self,
        config: OpenAIConfig,
        *,
        api_key: str | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 600.0,
    ) -> None:
        super().__init__(config, retry=retry)
        local = config.base_url is not None
        key = api_key or api_key_from_env(KEY_ENV, "OpenAI", required=not local) or "not-needed"
        self._client = openai.OpenAI(
            api_key=key, base_url=config.base_url, max_retries=0, timeout=timeout_s
        )

    def build_request(
        self, messages: Sequence[Message], tools: Sequence[ToolSchema], system: str
    ) -> dict[str, Any]:
        return build_request(self.config, messages, tools, system)

    def attempt(self, request: dict[str, Any]) -> ModelReply:
        try:
            response = self._client.chat.completions.create(**request)
        except (openai.OpenAIError, json.JSONDecodeError) as exc:
            raise classify_failure(exc, provider="OpenAI", key_env=KEY_ENV) from exc
        return parse_response(response.model_dump())


def build_request(
    config: OpenAIConfig, messages: Sequence[Message], tools: Sequence[ToolSchema], system: str
) -> dict[str, Any]:
    wire: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    wire.extend(to_wire_message(m) for m in messages)
    request: dict[str, Any] = {"model": config.model, "messages": wire}
    # Official API: `max_completion_tokens` (required by reasoning models); compatible servers
    # widely understand only the older `max_tokens`.
    if config.base_url is None:
        request["max_completion_tokens"] = config.max_tokens
    else:
        request["max_tokens"] = config.max_tokens
    if not config.model.startswith(FIXED_TEMPERATURE_PREFIXES):
        request["temperature"] = config.temperature
    if tools:
        request["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.parameters,
                },
            }
            for t in tools
        ]
    return request


def to_wire_message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.text}
    if message.role == "user":
        return {"role": "user", "content": message.text}
    # `null` content is only valid beside tool calls; an empty turn sends "".
    content = message.text or (None if message.tool_calls else "")
    wire: dict[str, Any] = {"role": "assistant", "content": content}
    if message.tool_calls:
        wire["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {
                    "name": call.name,
                    "arguments": call.invalid_arguments
                    if call.invalid_arguments is not None
                    else json.dumps(call.arguments),
                },
            }
            for call in message.tool_calls
        ]
    return wire


def parse_response(body: dict[str, Any]) -> ModelReply:
    choices = body.get("choices") or []
    if not choices:
        raise Retryable("OpenAI sent a reply without choices")
    choice = choices[0]
    message = choice.get("message") or {}
    calls = [_parse_call(raw) for raw in message.get("tool_calls") or []]
    usage = body.get("usage") or {}
    details = usage.get("prompt_tokens_details") or {}
    cached = details.get("cached_tokens") or 0
    return ModelReply(
        text=message.get("content") or "",
        tool_calls=calls,
        usage=Usage(
            # OpenAI counts cached tokens inside prompt_tokens; ours keeps them apart.
            input_tokens=max((usage.get("prompt_tokens") or 0) - cached, 0),
            output_tokens=usage.get("completion_tokens") or 0,
            cache_read_tokens=cached,
        ),
        model=body.get("model") or "",
        stop_reason=choice.get("finish_reason") or "",
    )


def _parse_call(raw: dict[str, Any]) -> ToolCall:
    function = raw.get("function") or {}
    text = function.get("arguments") or "{}"
    try:
        arguments = json.loads(text)
    except json.JSONDecodeError:
        arguments = None
    if not isinstance(arguments, dict):
        return ToolCall(id=raw["id"], name=function.get("name", ""), invalid_arguments=text)
    return ToolCall(id=raw["id"], name=function.get("name", ""), arguments=arguments)
