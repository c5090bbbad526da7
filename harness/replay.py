"""Cassettes: `ReplayModel` plays recorded exchanges, `RecordingModel` writes them.

A cassette is JSONL, one exchange per line: `{"request": {...}, "reply": {...}}`. `request` is
optional (sequential mode ignores it). Blank lines and lines starting with `#` are skipped. The
format is documented for hand authors in docs/harness.md.
"""

from __future__ import annotations

import difflib
import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from harness.errors import CassetteError, ReplayMismatchError
from harness.messages import Message, ModelReply, ToolSchema
from harness.model import ChatModel, RetryCallback
from harness.redact import redact

ReplayMode = Literal["sequential", "strict"]


MessageDumps = dict[int, tuple[Message, dict[str, Any]]]


def request_record(
    messages: Sequence[Message],
    tools: Sequence[ToolSchema],
    system: str,
    dumps: MessageDumps | None = None,
    scrub: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    """The provider-neutral request as a cassette stores it (and strict mode compares it).

    `dumps` lets a caller that records every step reuse the dumps of unchanged messages;
    `scrub` (secret masking) is then applied once per message, when it is first dumped.
    """
    return {
        "system": system,
        "messages": [_dump(m, dumps, scrub) for m in messages],
        "tools": [t.model_dump(mode="json") for t in tools],
    }


def _dump(
    message: Message, dumps: MessageDumps | None, scrub: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    cached = dumps.get(id(message)) if dumps is not None else None
    if cached is None or cached[0] is not message:  # ids of freed messages can be reused
        dump = message.model_dump(mode="json", exclude_defaults=True)
        cached = (message, scrub(dump) if scrub is not None else dump)
        if dumps is not None:
            dumps[id(message)] = cached
    return cached[1]


class ReplayModel:
    """Answers from a cassette instead of a provider."""

    def __init__(
        self, path: Path | str, *, mode: ReplayMode = "sequential", name: str | None = None
    ) -> None:
        self.path = Path(path)
        self.mode = mode
        self._exchanges = load_cassette(self.path)
        self._next = 0
        self._lock = threading.Lock()
        first_model = self._exchanges[0][1].model if self._exchanges else ""
        self._name = name or first_model or "replay"

    @property
    def name(self) -> str:
        return self._name

    @property
    def remaining(self) -> int:
        return len(self._exchanges) - self._next

    def seek(self, position: int) -> None:
        """Play from the `position`-th reply next (0-based): a resumed run replays a node
        from the model calls it had made when the node began."""
        with self._lock:
            self._next = max(0, min(position, len(self._exchanges)))

    def complete(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSchema],
        *,
        system: str,
        on_retry: RetryCallback | None = None,
    ) -> ModelReply:
        with self._lock:
            if self._next >= len(self._exchanges):
                raise CassetteError(
                    f"{self.path} has {len(self._exchanges)} replies and all were played: "
                    "the agent asked for one more; re-record the cassette or add a reply"
                )
            line, reply, recorded = self._exchanges[self._next]
            self._next += 1
        if self.mode == "strict":
            if recorded is None:
                raise CassetteError(
                    f"{self.path}:{line} has no request, which strict mode needs: "
                    "use sequential mode for hand-written cassettes"
                )
            live = redact(request_record(messages, tools, system))
            if live != recorded:
                raise ReplayMismatchError(
                    f"request {self._next} differs from {self.path}:{line}:\n"
                    + describe_difference(recorded, live)
                )
        return reply.model_copy(deep=True)


def describe_difference(recorded: Any, live: Any, max_lines: int = 80) -> str:
    """A unified diff of two JSON values, recorded (---) against live (+++)."""
    before = json.dumps(recorded, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    after = json.dumps(live, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    lines = list(difflib.unified_diff(before, after, "recorded", "live", lineterm="", n=2))
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"... {len(lines) - max_lines} more diff lines"]
    return "\n".join(lines)


def load_cassette(path: Path) -> list[tuple[int, ModelReply, dict[str, Any] | None]]:
    """(line number, reply, recorded request or None) per exchange."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CassetteError(f"cannot read cassette {path}: {exc.strerror}") from exc
    exchanges: list[tuple[int, ModelReply, dict[str, Any] | None]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CassetteError(
                f"{path}:{number}:{exc.colno}: line {number}, column {exc.colno} is not valid "
                f"JSON: {exc.msg}"
            ) from exc
        if not isinstance(entry, dict):
            raise CassetteError(f"{path}:{number} must be a JSON object with a 'reply'")
        reply_data = entry.get("reply", entry if "request" not in entry else None)
        if not isinstance(reply_data, dict):
            raise CassetteError(f"{path}:{number} has no 'reply' object")
        reply_data = dict(reply_data)
        # Hand-written replies may omit call ids; stable ones keep strict replays reproducible.
        calls = [dict(call) for call in reply_data.get("tool_calls") or []]
        for index, call in enumerate(calls):
            call.setdefault("id", f"call_{number}_{index}")
        reply_data["tool_calls"] = calls
        try:
            reply = ModelReply.model_validate(reply_data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise CassetteError(f"{path}:{number} has an invalid reply: {problems}") from exc
        request = entry.get("request")
        exchanges.append((number, reply, request if isinstance(request, dict) else None))
    return exchanges


class RecordingModel:
    """Wraps a real model and appends every exchange to a cassette, secrets redacted."""

    def __init__(self, inner: ChatModel, path: Path | str) -> None:
        self.inner = inner
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("", encoding="utf-8")
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    def complete(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSchema],
        *,
        system: str,
        on_retry: RetryCallback | None = None,
    ) -> ModelReply:
        reply = self.inner.complete(messages, tools, system=system, on_retry=on_retry)
        entry = {
            "request": request_record(messages, tools, system),
            "reply": reply.model_dump(mode="json"),
        }
        line = json.dumps(redact(entry), ensure_ascii=False, sort_keys=True)
        with self._lock, self.path.open("a", encoding="utf-8") as cassette:
            cassette.write(line + "\n")
        return reply
