"""Earned autonomy from synthetic histories: promotion, demotion, and their evidence."""

from datetime import UTC, datetime, timedelta

import pytest

from policies.autonomy import assess_autonomy
from policies.config import AutonomyLevel, AutonomyRange, EarnedAutonomyRule
from policies.models import (
    IncidentRecord,
    MergedChange,
    RejectionRecord,
    RevertRecord,
    TrackRecord,
)

L1, L2, L3 = AutonomyLevel.L1, AutonomyLevel.L2, AutonomyLevel.L3
START = datetime(2026, 11, 1, tzinfo=UTC)
RANGE = AutonomyRange(min=L1, max=L3)
RULE = EarnedAutonomyRule()


def merges(count: int, first_day: int = 0) -> list[MergedChange]:
    return [
        MergedChange(sha=f"{i:040x}", merged_at=START + timedelta(days=first_day + i), pr=i + 1)
        for i in range(count)
    ]


def at(day: float) -> datetime:
    return START + timedelta(days=day)


def test_no_history_starts_at_the_minimum() -> None:
    assessment = assess_autonomy(RANGE, TrackRecord(), RULE, at(0))
    assert assessment.level is L1
    assert "0 merged" in assessment.evidence[-1]


def test_five_clean_merges_promote_one_level() -> None:
    four = assess_autonomy(RANGE, TrackRecord(merges=merges(4)), RULE, at(10))
    five = assess_autonomy(RANGE, TrackRecord(merges=merges(5)), RULE, at(10))
    assert four.level is L1 and four.streak == 4
    assert five.level is L2 and five.streak == 0
    assert "promoted L1 -> L2 after 5 clean merges" in five.evidence[0]


def test_promotion_stops_at_the_configured_maximum() -> None:
    bounded = AutonomyRange(min=L1, max=L2)
    assessment = assess_autonomy(bounded, TrackRecord(merges=merges(15)), RULE, at(20))
    assert assessment.level is L2


def test_ten_clean_merges_reach_l3() -> None:
    assessment = assess_autonomy(RANGE, TrackRecord(merges=merges(10)), RULE, at(20))
    assert assessment.level is L3


def test_a_revert_of_a_factory_merge_demotes_at_once() -> None:
    history = merges(10)
    revert = RevertRecord(revert_sha="f" * 40, reverted_sha=history[9].sha[:12], at=at(9.5))
    assessment = assess_autonomy(RANGE, TrackRecord(merges=history, reverts=[revert]), RULE, at(12))
    assert assessment.level is L2
    assert any("demoted L3 -> L2 on revert" in line for line in assessment.evidence)


def test_a_revert_of_someone_elses_commit_does_not_count() -> None:
    history = merges(5)
    revert = RevertRecord(revert_sha="f" * 40, reverted_sha="abcdef1234567", at=at(5.5))
    assessment = assess_autonomy(RANGE, TrackRecord(merges=history, reverts=[revert]), RULE, at(6))
    assert assessment.level is L2


def test_an_incident_rooted_in_a_factory_merge_demotes() -> None:
    history = merges(5)
    incident = IncidentRecord(ref="#77", root_cause_sha=history[2].sha[:7], at=at(6))
    record = TrackRecord(merges=history, incidents=[incident])
    assessment = assess_autonomy(RANGE, record, RULE, at(7))
    assert assessment.level is L1
    assert any("incident #77" in line for line in assessment.evidence)


def test_high_revert_rate_in_the_window_blocks_promotion() -> None:
    # 5 merges, one reverted early: the streak rebuilds, but 1/5.. reverts stays >= 10%
    history = merges(6)
    revert = RevertRecord(revert_sha="e" * 40, reverted_sha=history[0].sha, at=at(0.5))
    assessment = assess_autonomy(RANGE, TrackRecord(merges=history, reverts=[revert]), RULE, at(7))
    assert assessment.level is L1
    assert assessment.streak == 5
    assert assessment.revert_rate == pytest.approx(1 / 6)


def test_old_reverts_leave_the_window() -> None:
    history = [*merges(1), *merges(5, first_day=60)]
    history[1:] = [
        m.model_copy(update={"sha": f"{i + 100:040x}"}) for i, m in enumerate(history[1:])
    ]
    revert = RevertRecord(revert_sha="e" * 40, reverted_sha=history[0].sha, at=at(1))
    assessment = assess_autonomy(RANGE, TrackRecord(merges=history, reverts=[revert]), RULE, at(70))
    assert assessment.level is L2


def test_a_human_rejection_restarts_the_streak_without_demoting() -> None:
    history = merges(5)
    rejection = RejectionRecord(pr=99, at=at(2.5))
    record = TrackRecord(merges=history, rejections=[rejection])
    assessment = assess_autonomy(RANGE, record, RULE, at(10))
    assert assessment.level is L1
    assert assessment.streak == 2
    lenient = RULE.model_copy(update={"rejection_resets_streak": False})
    assert assess_autonomy(RANGE, record, lenient, at(10)).level is L2


def test_events_after_now_are_ignored() -> None:
    assessment = assess_autonomy(RANGE, TrackRecord(merges=merges(5)), RULE, at(3))
    assert assessment.level is L1


def test_a_level_change_yields_an_audit_payload_with_evidence() -> None:
    same = assess_autonomy(RANGE, TrackRecord(merges=merges(5)), RULE, at(10), previous=L2)
    assert same.changed_from is None and same.level_change_event() is None
    moved = assess_autonomy(RANGE, TrackRecord(merges=merges(5)), RULE, at(10), previous=L1)
    payload = moved.level_change_event()
    assert payload is not None
    assert (payload["from"], payload["to"]) == ("L1", "L2")
    assert payload["evidence"] == moved.evidence
