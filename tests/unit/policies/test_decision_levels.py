"""How verdicts and the level combine into a decision, table-driven per level."""

import pytest
from policy_builders import change, context

from policies.config import AutonomyLevel, PolicySpec, RiskRule
from policies.errors import PolicyConfigError
from policies.evaluation import build_policies, combine, effective_specs, evaluate_gate
from policies.models import DecisionKind, DiffSummary, Outcome, RiskScore, Verdict

L0, L1, L2, L3 = AutonomyLevel
LOW = RiskScore(score=1, low=True)
HIGH = RiskScore(score=9, low=False)
A, H, R = Outcome.ALLOW, Outcome.NEEDS_HUMAN, Outcome.REFUSE


@pytest.mark.parametrize(
    ("level", "outcomes", "risk", "expected", "draft"),
    [
        (L0, [A, A], LOW, DecisionKind.PLAN_ONLY, False),
        (L0, [A, H], LOW, DecisionKind.PLAN_ONLY, True),
        (L0, [A, R], LOW, DecisionKind.REFUSE, False),
        (L1, [A, A], LOW, DecisionKind.PULL_REQUEST, False),
        (L1, [A, H], LOW, DecisionKind.PULL_REQUEST, True),
        (L1, [H, R], LOW, DecisionKind.REFUSE, False),
        (L2, [A, A], LOW, DecisionKind.MERGE, False),
        (L2, [A, A], HIGH, DecisionKind.NEEDS_HUMAN, False),
        (L2, [A, H], LOW, DecisionKind.NEEDS_HUMAN, True),
        (L2, [R, A], LOW, DecisionKind.REFUSE, False),
        (L3, [A, A], HIGH, DecisionKind.MERGE, False),
        (L3, [A, H], LOW, DecisionKind.NEEDS_HUMAN, True),
        (L3, [A, R], LOW, DecisionKind.REFUSE, False),
        (L3, [], LOW, DecisionKind.MERGE, False),
    ],
)
def test_level_shapes_the_outcome(
    level: AutonomyLevel,
    outcomes: list[Outcome],
    risk: RiskScore,
    expected: DecisionKind,
    draft: bool,
) -> None:
    verdicts = [
        Verdict(outcome=o, reasons=[f"r{i}"], policy=f"p{i}") for i, o in enumerate(outcomes)
    ]
    decision = combine(verdicts, level, risk)
    assert decision.decision is expected
    assert decision.draft is draft
    assert decision.level is level


def test_refusal_reasons_name_the_refusing_policy() -> None:
    verdicts = [
        Verdict(outcome=H, reasons=["big"], policy="diff_size"),
        Verdict(outcome=R, reasons=["key found"], policy="secret_scan"),
    ]
    decision = combine(verdicts, L3, LOW)
    assert decision.reasons == ["refused by policy", "secret_scan: key found"]


def test_default_policy_set_applies_when_a_repo_lists_none() -> None:
    names = [spec.name for spec in effective_specs([])]
    assert names[:4] == ["protected_paths", "diff_size", "tests_green", "reviewer_approval"]
    assert {"secret_scan", "halt", "governance", "ci_files", "budget"} <= set(names)


def test_mandatory_policies_cannot_be_configured_away() -> None:
    names = [spec.name for spec in effective_specs([PolicySpec(name="diff_size")])]
    assert names == ["diff_size", "secret_scan", "halt", "governance", "links"]


def test_repo_protected_paths_join_the_protected_paths_policy() -> None:
    specs = effective_specs(
        [PolicySpec(name="protected_paths", params={"needs_human": ["a/**"]})], ["b/**"]
    )
    assert specs[0].params["needs_human"] == ["a/**", "b/**"]
    added = effective_specs([PolicySpec(name="diff_size")], ["b/**"])
    assert added[0] == PolicySpec(name="protected_paths", params={"needs_human": ["b/**"]})


def test_agent_editing_factory_toml_needs_a_human_even_at_l3() -> None:
    ctx = context(change("factory.toml", added_lines=['autonomy = { min = "L3", max = "L3" }']))
    decision = evaluate_gate(ctx, build_policies([]))
    assert decision.decision is DecisionKind.NEEDS_HUMAN
    assert any("governance" in reason for reason in decision.reasons)


def test_clean_small_change_merges_at_l2_but_not_a_large_one() -> None:
    policies = build_policies([PolicySpec(name="diff_size", params={"max_lines": 10_000})])
    small = context(change("src/a.py", added=20), level=L2)
    large = context(change("src/a.py", added=900), level=L2)
    assert evaluate_gate(small, policies).decision is DecisionKind.MERGE
    decision = evaluate_gate(large, policies)
    assert decision.decision is DecisionKind.NEEDS_HUMAN
    assert "risk score" in decision.reasons[0]


def test_risk_threshold_is_configurable() -> None:
    policies = build_policies([])
    ctx = context(change("src/a.py", added=150), level=L2)
    assert evaluate_gate(ctx, policies).decision is DecisionKind.MERGE
    strict = RiskRule(low_risk_max_score=2)
    assert evaluate_gate(ctx, policies, strict).decision is DecisionKind.NEEDS_HUMAN


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not_a_policy", "unknown policy 'not_a_policy'"),
        ("scripts/gate.py", "must live under .factory/policies/"),
        (".factory/policies/../../etc/x.py", "without '..'"),
    ],
)
def test_bad_policy_listing_is_a_clear_error(name: str, message: str) -> None:
    with pytest.raises(PolicyConfigError) as caught:
        build_policies([PolicySpec(name=name)])
    assert message in str(caught.value)


@pytest.mark.parametrize("level", list(AutonomyLevel))
def test_an_empty_diff_is_never_a_clean_change(level: AutonomyLevel) -> None:
    """Green tests, an approving review and every policy allowing: still nothing to deliver."""
    ctx = context(level=level, diff=DiffSummary(files=[]))
    decision = evaluate_gate(ctx, build_policies([]))
    assert decision.decision is DecisionKind.REFUSE
    assert decision.outcome is Outcome.REFUSE
    assert "empty_change: the change is empty" in " ".join(decision.reasons)
