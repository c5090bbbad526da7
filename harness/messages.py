"""Provider-neutral conversation data: messages, tool schemas, tool calls, usage, replies."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ToolCall(BaseModel):
    """The model asking for one tool to run."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    invalid_arguments: str | None = None
    """The raw argument text when the model sent something that is not a JSON object."""


class ToolSchema(BaseModel):
    """What a model is told about one tool: its name, purpose and JSON-schema parameters."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    parameters: dict[str, Any]


class Message(BaseModel):
    """One turn of the linear history.

    `user` carries text; `assistant` carries text and/or tool calls; `tool` carries the result of
    the call named by `tool_call_id`.
    """

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant", "tool"]
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    tool_name: str | None = None
    is_error: bool = False
    reasoning: list[dict[str, Any]] = Field(default_factory=list)
    """Provider reasoning blocks (Anthropic `thinking`) of an assistant turn, sent back as-is:
    the API requires them beside the tool calls they led to."""

    @classmethod
    def user(cls, text: str) -> Message:
        return cls(role="user", text=text)

    @classmethod
    def tool_result(cls, call: ToolCall, text: str, *, is_error: bool = False) -> Message:
        return cls(
            role="tool", text=text, tool_call_id=call.id, tool_name=call.name, is_error=is_error
        )


class Usage(BaseModel):
    """Tokens one or more model calls consumed. `input_tokens` excludes cached tokens."""

    model_config = ConfigDict(extra="forbid")

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        cached = self.cache_read_tokens + self.cache_write_tokens
        return self.input_tokens + self.output_tokens + cached

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
        )


class ModelReply(BaseModel):
    """What a model answered to one request."""

    model_config = ConfigDict(extra="forbid")

    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    model: str = ""
    stop_reason: str = ""
    reasoning: list[dict[str, Any]] = Field(default_factory=list)
    """Opaque provider reasoning blocks; the loop keeps them in the assistant message."""
