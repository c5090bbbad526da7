"""What the SDK-backed providers share: a config, our retry policy, and `complete` as
"build the request once, then attempt it under the retry policy"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from harness.config import AnthropicConfig, OpenAIConfig
from harness.messages import Message, ModelReply, ToolSchema
from harness.model import RetryCallback
from harness.retry import RetryPolicy

ConfigT = TypeVar("ConfigT", AnthropicConfig, OpenAIConfig)


class SDKModel(Generic[ConfigT]):
    """Base of `AnthropicModel` and `OpenAIModel`; each adds its client, request and attempt."""

    def __init__(self, config: ConfigT, *, retry: RetryPolicy | None = None) -> None:
        self.config: ConfigT = config
        self.retry = retry or RetryPolicy()

    @property
    def name(self) -> str:
        return self.config.model

    def complete(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSchema],
        *,
        system: str,
        on_retry: RetryCallback | None = None,
    ) -> ModelReply:
        request = self.build_request(messages, tools, system)
        return self.retry.run(lambda: self.attempt(request), on_retry)

    def build_request(
        self, messages: Sequence[Message], tools: Sequence[ToolSchema], system: str
    ) -> dict[str, Any]:
        """The provider's request body for one model call."""
        raise NotImplementedError

    def attempt(self, request: dict[str, Any]) -> ModelReply:
        """One call; raises `Retryable` when another attempt may work, else a `ModelError`."""
        raise NotImplementedError
