"""The `ChatModel` seam: every provider (real, replayed, recording) has this shape."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from harness.messages import Message, ModelReply, ToolSchema


class RetryNotice(BaseModel):
    """A provider call failed in a way worth retrying; it will be tried again after `delay_s`."""

    model_config = ConfigDict(frozen=True)

    attempt: int
    """1 for the first retry."""
    delay_s: float
    reason: str
    status: int | None = None


RetryCallback = Callable[[RetryNotice], None]


@runtime_checkable
class ChatModel(Protocol):
    """Messages and tool schemas in; text, tool calls and token usage out."""

    @property
    def name(self) -> str:
        """The model identifier used for pricing and events (e.g. `claude-sonnet-4-5`)."""
        ...

    def complete(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSchema],
        *,
        system: str,
        on_retry: RetryCallback | None = None,
    ) -> ModelReply:
        """Answer the conversation. Raises `ModelError` when no answer can be had."""
        ...
