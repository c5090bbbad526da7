"""Model replies in the providers' wire formats, for a `WireServer` that plays a script.

A reply is written once in the harness's neutral shape (`{"text", "tool_calls": [{"name",
"arguments"}]}`, as in a cassette) and sent as an OpenAI chat completion or an Anthropic
message, with the usage a real server reports.
"""

from __future__ import annotations

import json
from typing import Any, Literal

Provider = Literal["openai", "anthropic"]
PROMPT_TOKENS, COMPLETION_TOKENS = 1_000, 50


def openai_body(
    reply: dict[str, Any], index: int, *, model: str = "gpt-4.1-mini", raw_arguments: bool = False
) -> dict[str, Any]:
    """`raw_arguments`: each call's `arguments` is sent as the text it is, not as JSON."""
    calls = [
        {
            "id": f"call_{index}_{n}",
            "type": "function",
            "function": {
                "name": call["name"],
                "arguments": call["arguments"] if raw_arguments else json.dumps(call["arguments"]),
            },
        }
        for n, call in enumerate(reply.get("tool_calls") or [])
    ]
    message: dict[str, Any] = {"role": "assistant", "content": reply.get("text") or None}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion",
        "created": 1_790_000_000,
        "model": model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}
        ],
        "usage": {
            "prompt_tokens": PROMPT_TOKENS,
            "completion_tokens": COMPLETION_TOKENS,
            "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
        },
    }


def anthropic_body(
    reply: dict[str, Any], index: int, *, model: str = "claude-sonnet-5-5"
) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if reply.get("text"):
        content.append({"type": "text", "text": reply["text"]})
    for n, call in enumerate(reply.get("tool_calls") or []):
        content.append(
            {
                "type": "tool_use",
                "id": f"toolu_{index}_{n}",
                "name": call["name"],
                "input": call["arguments"],
            }
        )
    return {
        "id": f"msg_{index}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if reply.get("tool_calls") else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": PROMPT_TOKENS, "output_tokens": COMPLETION_TOKENS},
    }


def body_for(provider: Provider, reply: dict[str, Any], index: int) -> dict[str, Any]:
    return openai_body(reply, index) if provider == "openai" else anthropic_body(reply, index)
