"""What the harness reports while it works: one event per model call, retry and tool call."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

EventKind = Literal[
    "agent.start", "agent.stop", "model.call", "model.retry", "tool.call", "context.elided"
]


class HarnessEvent(BaseModel):
    """One flat record; fields that do not apply to a kind stay None."""

    model_config = ConfigDict(frozen=True)

    kind: EventKind
    role: str
    """The agent role (`planner`, `coder`, ...) the event belongs to."""
    step: int = 0
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    cost_usd: float | None = None
    """None when the model's price is unknown (tokens are still metered)."""
    latency_s: float | None = None
    tool: str | None = None
    args_summary: str | None = None
    exit_code: int | None = None
    is_error: bool | None = None
    transcript_ref: str | None = None
    """The `TranscriptSink` reference of the full request and response of a model call."""
    message: str | None = None


EventCallback = Callable[[HarnessEvent], None]


class TranscriptSink(Protocol):
    """Keeps large blobs (the full request and response of each model call) and names them."""

    def put(self, data: bytes) -> str:
        """Store `data` and return a reference that can fetch it back."""
        ...


def encode_transcript(payload: dict[str, Any]) -> bytes:
    """Gzip-compressed UTF-8 JSON; `mtime=0` so equal transcripts give equal bytes."""
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    return gzip.compress(raw, compresslevel=6, mtime=0)


def decode_transcript(data: bytes) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(gzip.decompress(data))
    return decoded


def summarize_arguments(arguments: dict[str, Any], limit: int = 160) -> str:
    """A one-line, bounded view of tool arguments for events (full text lives in transcripts)."""
    parts = []
    for key, value in arguments.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        shown = shown.replace("\n", "\\n")
        if len(shown) > 60:
            shown = shown[:57] + "..."
        parts.append(f"{key}={shown}")
    line = " ".join(parts)
    return line if len(line) <= limit else line[: limit - 3] + "..."
