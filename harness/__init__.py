"""The agent loop: model providers, tools, budgets, metering, record and replay."""

from typing import Any

from harness.budget import RunBudget
from harness.build import build_model
from harness.errors import (
    CassetteError,
    HarnessError,
    MissingAPIKeyError,
    ModelAuthError,
    ModelError,
    ModelRequestError,
    ModelUnavailableError,
    ReplayMismatchError,
    ToolError,
)
from harness.events import EventCallback, HarnessEvent, TranscriptSink, decode_transcript
from harness.loop import AgentResult, StopReason, run_agent
from harness.messages import Message, ModelReply, ToolCall, ToolSchema, Usage
from harness.model import ChatModel, RetryNotice
from harness.pricing import BUILTIN_PRICES, PriceTable
from harness.replay import RecordingModel, ReplayModel
from harness.retry import RetryPolicy
from harness.tools import Worktree, coding_tools, read_only_tools

__all__ = [
    "BUILTIN_PRICES",
    "AgentResult",
    "AnthropicModel",
    "CassetteError",
    "ChatModel",
    "EventCallback",
    "HarnessError",
    "HarnessEvent",
    "Message",
    "MissingAPIKeyError",
    "ModelAuthError",
    "ModelError",
    "ModelReply",
    "ModelRequestError",
    "ModelUnavailableError",
    "OpenAIModel",
    "PriceTable",
    "RecordingModel",
    "ReplayMismatchError",
    "ReplayModel",
    "RetryNotice",
    "RetryPolicy",
    "RunBudget",
    "StopReason",
    "ToolCall",
    "ToolError",
    "ToolSchema",
    "TranscriptSink",
    "Usage",
    "Worktree",
    "build_model",
    "coding_tools",
    "decode_transcript",
    "read_only_tools",
    "run_agent",
]


def __getattr__(name: str) -> Any:
    # The provider SDKs take seconds to import; replayed runs and tests never need them.
    if name == "AnthropicModel":
        from harness.anthropic_model import AnthropicModel

        return AnthropicModel
    if name == "OpenAIModel":
        from harness.openai_model import OpenAIModel

        return OpenAIModel
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
