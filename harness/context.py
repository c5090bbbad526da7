"""Keeps the history inside the model's context window by eliding older tool outputs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from harness.messages import Message, ToolSchema

CHARS_PER_TOKEN = 4  # a deliberate over-estimate for code; being early beats a 400 from the API
ELIDE_AT = 0.75
KEEP_LATEST_OUTPUTS = 4
MIN_ELIDED_CHARS = 400
ELIDED_PREFIX = "[older output elided to save context"

Summariser = Callable[[Message], str]
"""Turns one tool-result message into a short summary that replaces it."""


def estimate_tokens(system: str, messages: Sequence[Message], tools: Sequence[ToolSchema]) -> int:
    chars = len(system) + sum(len(t.description) + len(str(t.parameters)) for t in tools)
    for message in messages:
        chars += len(message.text) + sum(len(str(c.arguments)) for c in message.tool_calls)
    return chars // CHARS_PER_TOKEN


def fit_context(
    system: str,
    messages: list[Message],
    tools: Sequence[ToolSchema],
    context_window: int,
    summarise: Summariser | None = None,
) -> int:
    """Elide (or summarise) old tool outputs in place once the history nears the window.

    The latest outputs stay whole: they are what the model is acting on. Returns how many
    outputs were elided. The full text is never lost: every request is in the transcripts.
    """
    if estimate_tokens(system, messages, tools) < context_window * ELIDE_AT:
        return 0
    tool_positions = [i for i, m in enumerate(messages) if m.role == "tool"]
    elided = 0
    for index in tool_positions[:-KEEP_LATEST_OUTPUTS]:
        message = messages[index]
        if len(message.text) < MIN_ELIDED_CHARS or message.text.startswith(ELIDED_PREFIX):
            continue
        note = f"{ELIDED_PREFIX}: {len(message.text)} characters from {message.tool_name}"
        if summarise is not None:
            replacement = f"{note}; summary follows]\n{summarise(message)}"
        else:
            replacement = f"{note}; call the tool again if you need it]"
        messages[index] = message.model_copy(update={"text": replacement})
        elided += 1
        if estimate_tokens(system, messages, tools) < context_window * ELIDE_AT:
            break
    return elided
