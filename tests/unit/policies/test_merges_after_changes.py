"""A merge after a person asked for changes is not a clean merge: it holds the streak by
default, and `merge_after_changes` may count it or let it restart the streak."""

from datetime import UTC, datetime, timedelta

import pytest

from policies.autonomy import assess_autonomy
from policies.config import AutonomyLevel, AutonomyRange, EarnedAutonomyRule
from policies.models import MergedChange, TrackRecord

NOW = datetime(2026, 12, 1, tzinfo=UTC)
BOUNDS = AutonomyRange(min=AutonomyLevel.L1, max=AutonomyLevel.L3)


def record(pattern: str) -> TrackRecord:
    """`c` a clean merge, `a` a merge after requested changes, oldest first."""
    return TrackRecord(
        merges=[
            MergedChange(
                sha=f"{n + 1:040x}",
                merged_at=NOW - timedelta(days=1) + timedelta(minutes=n),
                pr=n + 1,
                after_changes=kind == "a",
            )
            for n, kind in enumerate(pattern)
        ]
    )


def rule(mode: str) -> EarnedAutonomyRule:
    return EarnedAutonomyRule(promote_after_clean_merges=3, merge_after_changes=mode)


@pytest.mark.parametrize(
    ("mode", "level", "streak"),
    [
        ("hold", AutonomyLevel.L2, 0),  # c . . c c: three clean in a row, promoted
        ("count", AutonomyLevel.L2, 2),  # five clean: promoted after three, two since
        ("reset", AutonomyLevel.L1, 2),  # c, restart, restart, c c
    ],
)
def test_each_mode_on_clean_after_changes_twice_then_clean_twice(
    mode: str, level: AutonomyLevel, streak: int
) -> None:
    assessed = assess_autonomy(BOUNDS, record("caacc"), rule(mode), NOW)
    assert (assessed.level, assessed.streak) == (level, streak)
    assert (assessed.window_merges, assessed.window_merges_after_changes) == (5, 2)
    assert "5 merged (3 clean, 2 after requested changes" in assessed.evidence[-1]


def test_hold_is_the_default_and_neither_promotes_nor_restarts() -> None:
    assert EarnedAutonomyRule().merge_after_changes == "hold"
    held = assess_autonomy(BOUNDS, record("cacac"), rule("hold"), NOW)
    assert (held.level, held.streak) == (AutonomyLevel.L2, 0)  # c . c . c: three clean, promoted
    reset = assess_autonomy(BOUNDS, record("cacac"), rule("reset"), NOW)
    assert (reset.level, reset.streak) == (AutonomyLevel.L1, 1)
    assert any("merged after requested changes; streak restarts" in e for e in reset.evidence)


def test_a_merge_after_changes_still_counts_in_the_revert_rate() -> None:
    assessed = assess_autonomy(BOUNDS, record("aaaa"), rule("hold"), NOW)
    assert (assessed.level, assessed.streak, assessed.window_merges) == (AutonomyLevel.L1, 0, 4)
