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


def message_chars(message: Message) -> int:
    chars = len(message.text) + sum(len(str(c.arguments)) for c in message.tool_calls)
    return chars + sum(len(str(block)) for block in message.reasoning)


class ContextGuard:
    """Watches one agent's growing history and elides (or summarises) old tool outputs in place
    once it nears the window. The latest outputs stay whole: they are what the model acts on.
    Nothing is lost for auditors: every request is kept whole in the transcripts.

    The estimate is kept incrementally, so a step costs the same on turn 5 and on turn 500.
    """

    def __init__(
        self,
        system: str,
        tools: Sequence[ToolSchema],
        context_window: int,
        summarise: Summariser | None = None,
    ) -> None:
        self.fixed_chars = len(system) + sum(
            len(t.description) + len(str(t.parameters)) for t in tools
        )
        self.limit_chars = int(context_window * ELIDE_AT * CHARS_PER_TOKEN)
        self.summarise = summarise
        self._counted = 0
        self._history_chars = 0

    def fit(self, messages: list[Message]) -> int:
        """Returns how many outputs were elided on this call."""
        for message in messages[self._counted :]:
            self._history_chars += message_chars(message)
        self._counted = len(messages)
        if self.fixed_chars + self._history_chars < self.limit_chars:
            return 0
        tool_positions = [i for i, m in enumerate(messages) if m.role == "tool"]
        elided = 0
        for index in tool_positions[:-KEEP_LATEST_OUTPUTS]:
            message = messages[index]
            if len(message.text) < MIN_ELIDED_CHARS or message.text.startswith(ELIDED_PREFIX):
                continue
            note = f"{ELIDED_PREFIX}: {len(message.text)} characters from {message.tool_name}"
            if self.summarise is not None:
                replacement = f"{note}; summary follows]\n{self.summarise(message)}"
            else:
                replacement = f"{note}; call the tool again if you need it]"
            messages[index] = message.model_copy(update={"text": replacement})
            self._history_chars += len(replacement) - len(message.text)
            elided += 1
            if self.fixed_chars + self._history_chars < self.limit_chars:
                break
        return elided
