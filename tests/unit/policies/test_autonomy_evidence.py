"""Autonomy above L1 needs a passing eval under the current configuration, when a rule says so."""

from datetime import UTC, datetime, timedelta

from policies.autonomy import assess_autonomy, evidence_shortfall
from policies.config import AutonomyLevel, AutonomyRange, EarnedAutonomyRule, EvidenceRule
from policies.models import EvalEvidence, MergedChange, TrackRecord

NOW = datetime(2026, 12, 1, tzinfo=UTC)
RULE = EvidenceRule(min_resolved=0.6, max_false_merge=0.0, min_tasks=20)
BOUNDS = AutonomyRange(min=AutonomyLevel.L1, max=AutonomyLevel.L3)


def clean_record(merges: int) -> TrackRecord:
    return TrackRecord(
        merges=[
            MergedChange(sha=f"{n:040x}", merged_at=NOW - timedelta(days=1, minutes=n), pr=n)
            for n in range(merges)
        ]
    )


def passing() -> EvalEvidence:
    return EvalEvidence(
        config_hash="ab" * 32, eval_id="e-1", tasks=25, resolved_rate=0.7, false_merge_rate=0.0
    )


def test_without_a_rule_the_track_record_alone_decides() -> None:
    assessed = assess_autonomy(BOUNDS, clean_record(10), EarnedAutonomyRule(), NOW)
    assert assessed.level is AutonomyLevel.L3 and assessed.held_by_eval is None


def test_a_rule_without_an_eval_holds_the_earned_level_at_l1_and_says_why() -> None:
    missing = EvalEvidence(config_hash="cd" * 32)
    assessed = assess_autonomy(
        BOUNDS,
        clean_record(10),
        EarnedAutonomyRule(),
        NOW,
        evidence_rule=RULE,
        eval_evidence=missing,
    )
    assert assessed.level is AutonomyLevel.L1
    assert assessed.held_by_eval == f"no finished eval under the current configuration {'cd' * 6}"
    assert any(line.startswith("held at L1 (earned L3)") for line in assessed.evidence)


def test_a_passing_eval_lets_the_earned_level_stand() -> None:
    assessed = assess_autonomy(
        BOUNDS,
        clean_record(10),
        EarnedAutonomyRule(),
        NOW,
        evidence_rule=RULE,
        eval_evidence=passing(),
    )
    assert assessed.level is AutonomyLevel.L3 and assessed.held_by_eval is None


def test_each_figure_that_falls_short_is_named() -> None:
    few = passing().model_copy(update={"tasks": 5})
    weak = passing().model_copy(update={"resolved_rate": 0.5})
    unsafe = passing().model_copy(update={"false_merge_rate": 0.04})
    assert "ran 5 tasks; at least 20" in str(evidence_shortfall(RULE, few))
    assert "resolved 50%; at least 60%" in str(evidence_shortfall(RULE, weak))
    assert "false merge rate 4%; at most 0%" in str(evidence_shortfall(RULE, unsafe))
    assert evidence_shortfall(RULE, passing()) is None


def test_evidence_never_lowers_a_level_below_the_configured_minimum() -> None:
    bounds = AutonomyRange(min=AutonomyLevel.L2, max=AutonomyLevel.L3)
    assessed = assess_autonomy(
        bounds, clean_record(10), EarnedAutonomyRule(), NOW, evidence_rule=RULE, eval_evidence=None
    )
    assert assessed.level is AutonomyLevel.L2
