"""Counted nouns as a person writes them: "1 file", "2 files", never "1 files" or "file(s)"."""

from __future__ import annotations


def plural(count: int | float, noun: str, many: str | None = None) -> str:
    """`plural(1, "run")` is "1 run", `plural(3, "run")` "3 runs"; `many` names an irregular
    plural (`plural(2, "check", "checks failed")`...)."""
    shown = f"{count:g}" if isinstance(count, float) else str(count)
    return f"{shown} {noun if count == 1 else (many or noun + 's')}"
