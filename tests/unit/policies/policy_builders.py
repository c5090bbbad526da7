"""Builders for gate contexts, shared by the policy unit tests (conftest puts this folder on
sys.path: with --import-mode=importlib test modules cannot import their siblings)."""

from datetime import UTC, datetime
from typing import Any

from policies.config import AutonomyLevel
from policies.models import (
    DiffSummary,
    FileChange,
    GateContext,
    ReviewSummary,
    TestSummary,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday


def change(path: str, added: int = 1, removed: int = 0, **extra: Any) -> FileChange:
    return FileChange(path=path, added=added, removed=removed, **extra)


def context(
    *files: FileChange, level: AutonomyLevel = AutonomyLevel.L3, **overrides: Any
) -> GateContext:
    """A change every built-in allows, unless `files` or `overrides` say otherwise."""
    fields: dict[str, Any] = {
        "repo": "demo",
        "diff": DiffSummary(files=list(files) or [change("src/app.py", added=3, removed=1)]),
        "tests": TestSummary(passed=True),
        "review": ReviewSummary(verdict="approve"),
        "level": level,
        "now": NOW,
    }
    fields.update(overrides)
    return GateContext(**fields)
