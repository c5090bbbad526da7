"""The review's risk rules on figures with known answers: which risks each rule raises, and how
`find_risks` ranks them (severity first; within a severity, the rules' order, repository by
repository)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from factory.review.risks import (
    RULES,
    RiskInputs,
    audit_does_not_verify,
    change_fail_rate_above_alarm,
    find_risks,
)
from factory.review.schema import (
    AuditStatus,
    AutonomyChange,
    Delivery,
    DoraFigures,
    DoraMetric,
    Efficiency,
    Figure,
    InitiativeStatus,
    Pillars,
    Reliability,
    RepoDora,
    Scorecard,
    ScorecardCheck,
    Vigilance,
    WaitingRun,
)

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def unknown() -> Figure:
    return Figure(value=None)


def pillars(
    name: str,
    *,
    incidents: float | None = None,
    waiting_hours: list[float] | None = None,
    green: tuple[float | None, float | None] = (None, None),
    spend: tuple[float | None, float | None] = (None, None),
    unpriced: int = 0,
    promotions: list[str] | None = None,
    audit: AuditStatus | None = None,
) -> Pillars:
    """A group's pillars with every figure unknown but the ones a rule reads."""
    wasted, total = spend
    return Pillars(
        group="factory" if name == "factory" else "repository",
        name=name,
        repos=[name],
        runs=12,
        delivery=Delivery(
            tickets_attempted=unknown(),
            prs_opened=unknown(),
            prs_merged=unknown(),
            prs_opened_per_week=unknown(),
            prs_merged_per_week=unknown(),
            lead_time_ticket_hours=unknown(),
            lead_time_commit_hours=unknown(),
            sweep_completion=unknown(),
            waiting_for_human=unknown(),
            waiting_queue=[
                WaitingRun(run_id=f"r-{name}-{i}", repo=name, since=AT, age_hours=hours)
                for i, hours in enumerate(waiting_hours or [])
            ],
        ),
        reliability=Reliability(
            first_try_green_rate=Figure(value=green[0], previous=green[1]),
            iterations_per_run=unknown(),
            change_fail_rate=unknown(),
            reverts=unknown(),
            incidents_linked=Figure(value=incidents),
        ),
        vigilance=Vigilance(
            secrets_caught=unknown(),
            protected_paths_touched=unknown(),
            unreviewed_merge_share=unknown(),
            autonomy_changes=[
                AutonomyChange(
                    repo=name,
                    run_id=run_id,
                    at=AT,
                    previous="L1",
                    level="L2",
                    direction="promotion",
                )
                for run_id in promotions or []
            ],
            audit=audit or AuditStatus(checked=True, ok=True),
        ),
        efficiency=Efficiency(
            spend_usd=Figure(value=total, note="3 calls unpriced" if unpriced else None),
            cost_per_merged_pr=unknown(),
            unpriced_calls=unpriced,
            tokens=unknown(),
            cache_read_share=unknown(),
            sandbox_minutes=unknown(),
            spend_on_nothing=Figure(value=wasted),
            approval_wait_hours=unknown(),
        ),
    )


def dora(repo: str, rate: float | None, previous: float | None = None) -> RepoDora:
    metric = DoraMetric(value=None)
    figures = DoraFigures(
        deployments=10,
        changes=10,
        failed_changes=0 if rate is None else round(rate * 10),
        deployment_frequency=metric,
        lead_time_ticket=metric,
        lead_time_commit=metric,
        change_fail_rate=DoraMetric(value=rate, previous=previous),
        recovery_time=metric,
        rework_rate=metric,
    )
    return RepoDora(repo=repo, agent=figures, human=None)


def initiative(name: str, **values: Any) -> InitiativeStatus:
    fields: dict[str, Any] = {
        "owner": None,
        "due": None,
        "tickets": 4,
        "done": 1,
        "open": 2,
        "in_flight": 1,
        "stalled": 0,
        "rate_per_week": None,
        "projected_completion": None,
        "on_track": None,
    }
    return InitiativeStatus(name=name, **{**fields, **values})


def scorecard(repo: str, failing: list[str]) -> Scorecard:
    checks = [
        ScorecardCheck(rule=rule, passed=False, evidence="missing", fix=f"add {rule}")
        for rule in failing
    ]
    return Scorecard(
        repo=repo,
        owner=None,
        domain=None,
        system=None,
        checks=checks,
        passed=0,
        failed=len(checks),
    )


def inputs(
    repositories: list[Pillars],
    *,
    dora_entries: list[RepoDora] | None = None,
    initiatives: list[InitiativeStatus] | None = None,
    scorecards: list[Scorecard] | None = None,
    factory: Pillars | None = None,
) -> RiskInputs:
    return RiskInputs(
        repositories=repositories,
        dora=dora_entries or [],
        initiatives=initiatives or [],
        scorecards=scorecards or [],
        factory=factory or pillars("factory"),
    )


def test_a_quiet_review_has_no_risks() -> None:
    quiet = inputs([pillars("pay"), pillars("web")], dora_entries=[dora("pay", 0.1)])
    assert find_risks(quiet) == []
    assert all(rule(quiet) == [] for rule in RULES)


def test_risks_rank_by_severity_then_repository_by_repository() -> None:
    review = inputs(
        [
            pillars("pay", waiting_hours=[30, 2], green=(0.4, 0.9), unpriced=3),
            pillars("web", incidents=2, waiting_hours=[50], spend=(8.0, 10.0)),
        ],
        dora_entries=[dora("pay", 0.3, previous=0.1), dora("web", 0.17)],
        initiatives=[initiative("ledger", stalled=2, stalled_tickets=["T-1", "T-2"])],
        scorecards=[scorecard("pay", ["readme", "owners"])],
        factory=pillars("factory", audit=AuditStatus(checked=True, ok=False, breaks=["r-9"])),
    )
    ranked = [(risk.rank, risk.severity, risk.repo, risk.title) for risk in find_risks(review)]
    assert ranked == [
        (1, "high", None, "the audit log does not verify"),
        (2, "high", "pay", "pay: change fail rate 10% → 30%"),
        (3, "high", "web", "web: 2 incidents caused by factory changes"),
        (4, "medium", "web", "web: change fail rate 17%"),
        (5, "medium", "pay", "pay: 1 run waiting for a person over a day (oldest 30 h)"),
        (6, "medium", "pay", "pay: runs with no new failures at the first try 90% → 40%"),
        (7, "medium", "web", "web: 1 run waiting for a person over a day (oldest 50 h)"),
        (8, "medium", "web", "web: 80% of spend delivered nothing"),
        (9, "low", "pay", "pay: cost unknown for 3 model calls"),
        (10, "low", None, "initiative ledger: 2 stalled tickets"),
        (11, "low", "pay", "pay: below standard on 2 rules"),
    ]


def test_a_failing_change_rate_names_the_promotion_that_preceded_it() -> None:
    review = inputs([pillars("pay", promotions=["r-1", "r-2"])], dora_entries=[dora("pay", 0.2)])
    (risk,) = change_fail_rate_above_alarm(review)
    assert risk.title == "pay: change fail rate 20% at L2 since the promotion on 2026-11-20"
    assert risk.evidence == ["2 of 10 factory changes failed", "promotion in run r-2"]
    assert risk.severity == "high"


def test_an_unchecked_audit_is_no_risk() -> None:
    unchecked = pillars("factory", audit=AuditStatus(checked=False, ok=None))
    assert audit_does_not_verify(inputs([], factory=unchecked)) == []
