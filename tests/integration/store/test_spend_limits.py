"""The spend ledger under `[limits]`, on both backends: alerts at 80 and 90% once per window,
a halt by `limits` at 100%, unpriced spend counted in tokens and never as $0, and processes
crossing a threshold together raising it exactly once."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from factory.config.limits import SpendLimits
from factory.store import Store
from factory.store.spend import LIMITS_ACTOR, describe_alert
from tests.support.databases import ScratchDatabase

NOON = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
RACERS = 6


def _record(
    store: Store, usd: float | None, tokens: int, at: datetime, **limits: float
) -> list[str]:
    scopes = [("all", SpendLimits(**limits))]
    check = store.spend.record(
        run_id="r-1", repo="app", usd=usd, tokens=tokens, limits=scopes, at=at
    )
    return [f"{a.unit}:{a.percent}" for a in check.alerts]


def test_thresholds_alert_once_per_window_and_the_limit_halts_the_scope(store: Store) -> None:
    assert _record(store, 3.0, 100, NOON, daily_usd=5.0) == []
    assert _record(store, 1.1, 100, NOON, daily_usd=5.0) == ["usd:80"]
    assert _record(store, 0.1, 100, NOON, daily_usd=5.0) == []  # 84%: 80 is raised already
    assert _record(store, 0.4, 100, NOON, daily_usd=5.0) == ["usd:90"]
    assert store.halts.active() == []
    assert _record(store, 0.5, 100, NOON, daily_usd=5.0) == ["usd:100"]
    (halt,) = store.halts.active()
    assert halt.scope == "all" and halt.by == LIMITS_ACTOR
    assert halt.reason == (
        "the factory has spent 100% of its daily dollar limit: $5.10 of $5.00 (2026-11-03, UTC)"
    )
    assert _record(store, 1.0, 100, NOON, daily_usd=5.0) == []  # once per window
    # The next day is a new window: its own thresholds, its own alerts.
    tomorrow = NOON + timedelta(days=1)
    assert _record(store, 4.5, 100, tomorrow, daily_usd=5.0) == ["usd:80", "usd:90"]
    assert store.spend.total("all", "day", tomorrow).usd == 4.5


def test_unpriced_calls_count_in_tokens_never_as_zero_dollars(store: Store) -> None:
    assert _record(store, None, 9_000, NOON, daily_usd=1.0, daily_tokens=10_000) == [
        "tokens:80",
        "tokens:90",
    ]
    total = store.spend.total("all", "day", NOON)
    assert (total.usd, total.tokens, total.unpriced_calls) == (0.0, 9_000, 1)
    assert _record(store, 0.85, 10, NOON, daily_usd=1.0, daily_tokens=10_000) == ["usd:80"]
    (usd_alert,) = [a for a in store.spend.alerts() if a.unit == "usd"]
    assert describe_alert(usd_alert).endswith(
        "; 1 model calls without a price are not in the dollars"
    )


def test_a_repository_scope_counts_only_its_own_spend_and_monthly_windows_add_up(
    store: Store,
) -> None:
    app = [("app", SpendLimits(monthly_tokens=1_000))]
    for day in (1, 10, 20):
        moment = NOON.replace(day=day)
        store.spend.record(run_id="r-o", repo="other", usd=1.0, tokens=500, limits=[], at=moment)
        store.spend.record(run_id="r-a", repo="app", usd=1.0, tokens=300, limits=app, at=moment)
    assert [(a.scope, a.period, a.percent) for a in store.spend.alerts()] == [
        ("app", "month:2026-11", 80),
        ("app", "month:2026-11", 90),
    ]
    assert store.spend.total("app", "month", NOON).tokens == 900
    assert store.spend.total("all", "month", NOON).tokens == 2_400


def test_a_limit_lowered_below_todays_spend_halts_before_the_next_run(store: Store) -> None:
    store.spend.record(run_id="r-1", repo="app", usd=2.0, tokens=10, limits=[], at=NOON)
    check = store.spend.check([("app", SpendLimits(daily_usd=1.0))], at=NOON)
    assert [a.percent for a in check.alerts] == [80, 90, 100]
    assert [h.scope for h in check.halts] == ["app"]
    assert check.alerts[-1].run_id is None


def test_a_scope_halted_by_a_person_is_not_halted_twice(store: Store) -> None:
    store.halts.add("all", "incident", "ops")
    check = store.spend.check([], at=NOON)
    assert check.halts == []
    store.spend.record(run_id="r-1", repo="app", usd=2.0, tokens=10, limits=[], at=NOON)
    check = store.spend.check([("all", SpendLimits(daily_usd=1.0))], at=NOON)
    assert [a.percent for a in check.alerts] == [80, 90, 100] and check.halts == []
    assert [h.by for h in store.halts.active()] == ["ops"]


SPENDER = """
import sys, time
from datetime import UTC, datetime
from factory.config.limits import SpendLimits
from factory.store import Store
url, start = sys.argv[1], float(sys.argv[2])
limits = [("all", SpendLimits(daily_usd=10.0))]
with Store(url) as store:
    while time.time() < start:
        time.sleep(0.001)
    raised = []
    for _ in range(5):
        check = store.spend.record(run_id="r-x", repo="app", usd=0.5, tokens=1, limits=limits)
        raised += [str(alert.percent) for alert in check.alerts]
        raised += ["halt" for _ in check.halts]
    print(" ".join(raised))
"""


def test_processes_crossing_thresholds_together_raise_each_once_and_halt_once(
    database: ScratchDatabase,
) -> None:
    with Store(database.url):
        pass  # migrated once, before the race
    start = str(time.time() + 2.0)
    spenders = [
        subprocess.Popen(
            [sys.executable, "-c", SPENDER, database.url, start], stdout=subprocess.PIPE, text=True
        )
        for _ in range(RACERS)
    ]
    outputs = [spender.communicate(timeout=120)[0].split() for spender in spenders]
    assert [spender.returncode for spender in spenders] == [0] * RACERS
    # 6 processes x 5 calls x $0.50 = $15 against $10: each threshold crossed exactly once.
    assert sorted(word for output in outputs for word in output) == ["100", "80", "90", "halt"]
    with Store(database.url) as store:
        assert store.spend.total("all", "day").usd == 15.0
        assert len(store.halts.active()) == 1
        assert sorted(a.percent for a in store.spend.alerts()) == [80, 90, 100]
