"""The review splits the factory's outcomes by configuration hash and by autonomy level."""

from datetime import UTC, datetime, timedelta

from factory.review.build import outcome_groups
from factory.review.dora import Change
from factory.review.period import make_period
from factory.review.records import ReviewRecords, RunRecord

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def run(run_id: str, level: str, config_hash: str | None) -> RunRecord:
    at = NOW - timedelta(days=3)
    return RunRecord(
        id=run_id,
        ticket_ref=run_id,
        repo="app",
        level=level,
        status="merged",
        outcome=None,
        created_at=at,
        finished_at=at,
        updated_at=at,
        config_hash=config_hash,
    )


def change(run_id: str, *, reverted: bool = False, rework: bool = False) -> Change:
    return Change(
        repo="app",
        sha=run_id * 5,
        merged_at=NOW - timedelta(days=2),
        first_commit_at=None,
        ticket_opened_at=None,
        author="agent",
        run_id=run_id,
        rework=rework,
        failed=reverted,
        failure_evidence=["reverted by 0123456789"] if reverted else [],
    )


def test_change_fail_rate_reverts_and_rework_per_configuration_and_per_level() -> None:
    period = make_period("30d", now=NOW)
    runs = {
        "r1": run("r1", "L2", "a" * 64),
        "r2": run("r2", "L2", "a" * 64),
        "r3": run("r3", "L3", "b" * 64),
        "r4": run("r4", "L3", None),
    }
    records = ReviewRecords(period=period, runs=runs, pulls=[], tickets={}, halts=[], incidents=[])
    agent = [change("r1", reverted=True), change("r2"), change("r3", rework=True), change("r4")]
    groups = {(g.by, g.value): g for g in outcome_groups(agent, records, period)}
    first = groups[("config_hash", "a" * 64)]
    assert (first.changes, first.reverted, first.dora.change_fail_rate.value) == (2, 1, 0.5)
    assert groups[("config_hash", "unknown")].changes == 1
    l3 = groups[("autonomy_level", "L3")]
    assert (l3.changes, l3.reverted, l3.dora.rework_rate.value) == (2, 0, 0.5)
    assert groups[("autonomy_level", "L2")].dora.change_fail_rate.value == 0.5
