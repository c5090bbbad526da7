"""The stuck detector: patterns in an agent's turns that say it is going round in circles.

An agent in a loop spends its whole budget and delivers nothing. The loop feeds every turn
here and stops the agent (stop reason `stuck`) as soon as one pattern reaches its threshold
(`harness.config.StuckConfig`, `[stuck]` in factory.toml):

| pattern | what it sees |
| --- | --- |
| `same_call` | the same tool called with the same arguments, again and again in a row |
| `alternating` | two calls taking turns: A, B, A, B, ... |
| `same_error` | the same error coming back from the tools, call after call |
| `no_tool_call` | replies with no tool call, despite the nudge to continue |
| `no_file_change` | an agent that may change files (coder, tester) changing none for many turns |
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from harness.config import StuckConfig

StuckPatternName = Literal[
    "same_call", "alternating", "same_error", "no_tool_call", "no_file_change"
]
SHOWN_CHARS = 120


@dataclass(frozen=True)
class StuckPattern:
    """The pattern that fired, how many times it was seen, and what it looked like."""

    name: StuckPatternName
    count: int
    detail: str

    def describe(self) -> str:
        return f"{self.name}: {self.detail}"


def call_key(name: str, arguments: dict[str, Any], invalid_arguments: str | None) -> str:
    """One text per distinct call: the name and the arguments in canonical JSON."""
    shown = (
        invalid_arguments
        if invalid_arguments is not None
        else json.dumps(arguments, sort_keys=True, ensure_ascii=False, default=str)
    )
    return f"{name}({shown})"


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SHOWN_CHARS else flat[: SHOWN_CHARS - 1] + "…"


class StuckDetector:
    """Counts the streaks of one agent's run; each `saw_*` returns the pattern once it fires.

    `watches_files` is whether this agent may change files (its turns are then coding turns
    and `no_file_change` applies)."""

    def __init__(self, config: StuckConfig, *, watches_files: bool) -> None:
        self.config = config
        self.watches_files = watches_files
        self._calls: list[str] = []
        self._same_call = 0
        self._alternating = 0
        self._error: str | None = None
        self._same_error = 0
        self._silent_turns = 0
        self._unchanged_turns = 0

    @property
    def streaks(self) -> dict[StuckPatternName, int]:
        """How far each pattern has got at this moment, in the units its threshold counts."""
        return {
            "same_call": self._same_call,
            "alternating": self._alternating // 2,
            "same_error": self._same_error,
            "no_tool_call": self._silent_turns,
            "no_file_change": self._unchanged_turns,
        }

    def saw_reply_without_calls(self) -> StuckPattern | None:
        self._silent_turns += 1
        limit = self.config.no_tool_call
        if limit and self._silent_turns >= limit:
            return StuckPattern(
                "no_tool_call",
                self._silent_turns,
                f"{self._silent_turns} replies in a row without a tool call",
            )
        return None

    def saw_call(self, key: str, *, is_error: bool, result: str) -> StuckPattern | None:
        """One tool call and what came back; calls of one reply are fed in order."""
        self._silent_turns = 0
        previous = self._calls[-2:]
        self._calls = [*previous, key]
        self._same_call = self._same_call + 1 if previous[-1:] == [key] else 1
        if len(previous) == 2 and previous[0] == key and previous[1] != key:
            self._alternating += 1
        elif previous[-1:] and previous[-1] != key:
            self._alternating = 2
        else:
            self._alternating = 1
        if is_error and result == self._error:
            self._same_error += 1
        else:
            self._error, self._same_error = (result, 1) if is_error else (None, 0)
        return self._check_calls(key)

    def _check_calls(self, key: str) -> StuckPattern | None:
        config = self.config
        if config.same_call and self._same_call >= config.same_call:
            return StuckPattern(
                "same_call", self._same_call, f"{_short(key)} {self._same_call} times in a row"
            )
        if config.alternating and self._alternating >= 2 * config.alternating:
            other = self._calls[-2]
            rounds = self._alternating // 2
            return StuckPattern(
                "alternating",
                rounds,
                f"{_short(other)} and {_short(key)} taking turns, {rounds} rounds",
            )
        if config.same_error and self._same_error >= config.same_error:
            assert self._error is not None
            return StuckPattern(
                "same_error",
                self._same_error,
                f"the same error {self._same_error} times in a row: {_short(self._error)}",
            )
        return None

    def saw_turn_end(self, files_changed: bool) -> StuckPattern | None:
        """The end of a reply that called tools: did the files change during it?"""
        if not self.watches_files:
            return None
        self._unchanged_turns = 0 if files_changed else self._unchanged_turns + 1
        limit = self.config.no_file_change
        if limit and self._unchanged_turns >= limit:
            return StuckPattern(
                "no_file_change",
                self._unchanged_turns,
                f"{self._unchanged_turns} turns in a row without changing a file",
            )
        return None
