"""The agent loop: model providers, tools, budgets, metering, record and replay.

Re-exports load on first use (PEP 562 `__getattr__`): `factory.config` imports `harness.config`
on every CLI start, and the provider SDKs (`AnthropicModel`, `OpenAIModel`) take seconds to
import that replayed runs and tests never need. The `TYPE_CHECKING` imports give type checkers
the precise types of the same names.
"""

from typing import TYPE_CHECKING

from policies.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from harness.anthropic_model import AnthropicModel
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
    from harness.openai_model import OpenAIModel
    from harness.pricing import BUILTIN_PRICES, PriceTable
    from harness.replay import RecordingModel, ReplayModel
    from harness.retry import RetryPolicy
    from harness.tools import ConfinedRoot, coding_tools, read_only_tools

_HOMES = {
    "harness.anthropic_model": ("AnthropicModel",),
    "harness.budget": ("RunBudget",),
    "harness.build": ("build_model",),
    "harness.errors": (
        "CassetteError",
        "HarnessError",
        "MissingAPIKeyError",
        "ModelAuthError",
        "ModelError",
        "ModelRequestError",
        "ModelUnavailableError",
        "ReplayMismatchError",
        "ToolError",
    ),
    "harness.events": ("EventCallback", "HarnessEvent", "TranscriptSink", "decode_transcript"),
    "harness.loop": ("AgentResult", "StopReason", "run_agent"),
    "harness.messages": ("Message", "ModelReply", "ToolCall", "ToolSchema", "Usage"),
    "harness.model": ("ChatModel", "RetryNotice"),
    "harness.openai_model": ("OpenAIModel",),
    "harness.pricing": ("BUILTIN_PRICES", "PriceTable"),
    "harness.replay": ("RecordingModel", "ReplayModel"),
    "harness.retry": ("RetryPolicy",),
    "harness.tools": ("ConfinedRoot", "coding_tools", "read_only_tools"),
}
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
    "ConfinedRoot",
    "build_model",
    "coding_tools",
    "decode_transcript",
    "read_only_tools",
    "run_agent",
]


if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt name stays an error there
    __getattr__, __dir__ = lazy_exports("harness", _HOMES, globals())
