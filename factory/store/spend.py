"""The spend ledger and the factory-wide limits it is held to (`[limits]`).

Every model call's spend is one row. Recording it and judging the limits happen in one write
transaction, serialised across processes (SQLite's write lock; a transaction-scoped advisory
lock on PostgreSQL), so of two processes whose calls cross a threshold together exactly one
raises the alert, and the halt at 100% is written with it or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from factory.config.limits import (
    ALERT_PERCENTS,
    HALT_PERCENT,
    SpendLimits,
    Unit,
    Window,
)
from factory.store.models import Halt, LimitAlert, SpendEntry, utcnow
from factory.store.retrying import retry_on_conflict

LIMITS_ACTOR = "limits"
"""Who halts a scope that reached its limit (the halts table's `by`)."""
_LOCK_KEY = int.from_bytes(hashlib.sha256(b"spend-limits").digest()[:8], "big", signed=True)
SessionScope = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class SpendTotal:
    """What a scope spent in a window. `usd` counts priced calls only."""

    usd: float
    tokens: int
    unpriced_calls: int

    def measure(self, unit: Unit) -> float:
        return self.usd if unit == "usd" else float(self.tokens)


@dataclass
class LimitCheck:
    """What one recording (or a check before a run starts) newly raised."""

    alerts: list[LimitAlert] = field(default_factory=list)
    halts: list[Halt] = field(default_factory=list)


def window_start(window: Window, moment: datetime) -> datetime:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day if window == "day" else day.replace(day=1)


def period_name(window: Window, moment: datetime) -> str:
    return f"day:{moment:%Y-%m-%d}" if window == "day" else f"month:{moment:%Y-%m}"


def describe_scope(scope: str) -> str:
    return "the factory" if scope == "all" else f"repository {scope}"


def describe_amount(unit: str, amount: float) -> str:
    return f"${amount:,.2f}" if unit == "usd" else f"{int(amount):,} tokens"


def describe_alert(alert: LimitAlert) -> str:
    """One line a person reads in a banner, a report or a comment."""
    window = "daily" if alert.period.startswith("day:") else "monthly"
    when = alert.period.split(":", 1)[1]
    line = (
        f"{describe_scope(alert.scope)} has spent {alert.percent}% of its {window} "
        f"{'dollar' if alert.unit == 'usd' else 'token'} limit: "
        f"{describe_amount(alert.unit, alert.spent)} of "
        f"{describe_amount(alert.unit, alert.limit_value)} ({when}, UTC)"
    )
    if alert.unit == "usd" and alert.unpriced_calls:
        line += f"; {alert.unpriced_calls} model calls without a price are not in the dollars"
    return line


class SpendLedger:
    """The `spend` and `limit_alerts` tables, on the store's read and write session scopes."""

    def __init__(self, read: SessionScope, write: SessionScope) -> None:
        self._read = read
        self._write = write

    def record(
        self,
        *,
        run_id: str,
        repo: str,
        usd: float | None,
        tokens: int,
        limits: Sequence[tuple[str, SpendLimits]],
        at: datetime | None = None,
    ) -> LimitCheck:
        """Add one model call's spend (`usd` None: no price) and judge `limits`, the
        (scope, limits) pairs the run spends against, in the same transaction."""
        moment = at or utcnow()

        def write() -> LimitCheck:
            with self._write() as session:
                _serialise(session)
                session.add(SpendEntry(at=moment, run_id=run_id, repo=repo, usd=usd, tokens=tokens))
                session.flush()
                return _judge(session, limits, moment, run_id)

        return retry_on_conflict(write)

    def check(
        self, limits: Sequence[tuple[str, SpendLimits]], at: datetime | None = None
    ) -> LimitCheck:
        """Judge `limits` against what was spent so far (before a run starts): a limit lowered
        below today's spend halts its scope now, not at the next model call."""
        moment = at or utcnow()

        def write() -> LimitCheck:
            with self._write() as session:
                _serialise(session)
                return _judge(session, limits, moment, None)

        return retry_on_conflict(write)

    def total(self, scope: str, window: Window, at: datetime | None = None) -> SpendTotal:
        """What `scope` ("all" or a repository) spent in the window around `at` (now)."""
        moment = at or utcnow()
        with self._read() as session:
            return _total(session, scope, window_start(window, moment))

    def alerts(
        self, *, since: datetime | None = None, periods: Sequence[str] = ()
    ) -> list[LimitAlert]:
        """Alerts raised since a moment, or of the named periods (`day:2026-11-03`), oldest
        first."""
        query = select(LimitAlert).order_by(LimitAlert.raised_at, LimitAlert.id)
        if since is not None:
            query = query.where(LimitAlert.raised_at >= since)
        if periods:
            query = query.where(LimitAlert.period.in_(list(periods)))
        with self._read() as session:
            return list(session.scalars(query))

    def current_alerts(self, at: datetime | None = None) -> list[LimitAlert]:
        """The highest alert of each scope, unit and window still running (today, this month)."""
        moment = at or utcnow()
        periods = [period_name("day", moment), period_name("month", moment)]
        highest: dict[tuple[str, str, str], LimitAlert] = {}
        for alert in self.alerts(periods=periods):
            key = (alert.scope, alert.period, alert.unit)
            if key not in highest or alert.percent > highest[key].percent:
                highest[key] = alert
        return sorted(highest.values(), key=lambda a: (-a.percent, a.scope, a.period, a.unit))

    def mark_posted(self, alert_id: int, error: str | None = None) -> None:
        """Record that the alert's comment was posted (or why it could not be)."""
        with self._write() as session:
            alert = session.get(LimitAlert, alert_id)
            if alert is not None:
                alert.posted_at = None if error else utcnow()
                alert.post_error = error


def _serialise(session: Session) -> None:
    # SQLite's writers already hold the database's write lock (BEGIN IMMEDIATE); PostgreSQL
    # needs one lock for every writer of the ledger, or two crossings could both be missed.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))


def _total(session: Session, scope: str, since: datetime) -> SpendTotal:
    query = select(
        func.coalesce(func.sum(SpendEntry.usd), 0.0),
        func.coalesce(func.sum(SpendEntry.tokens), 0),
        func.coalesce(func.sum(case((SpendEntry.usd.is_(None), 1), else_=0)), 0),
    ).where(SpendEntry.at >= since)
    if scope != "all":
        query = query.where(SpendEntry.repo == scope)
    usd, tokens, unpriced = session.execute(query).one()
    return SpendTotal(usd=float(usd), tokens=int(tokens), unpriced_calls=int(unpriced))


def _judge(
    session: Session,
    limits: Sequence[tuple[str, SpendLimits]],
    moment: datetime,
    run_id: str | None,
) -> LimitCheck:
    outcome = LimitCheck()
    for scope, scope_limits in limits:
        for window, unit, limit in _limits_of(scope_limits):
            total = _total(session, scope, window_start(window, moment))
            spent = total.measure(unit)
            percent_now = spent * 100 / limit
            period = period_name(window, moment)
            for percent in (*ALERT_PERCENTS, HALT_PERCENT):
                if percent_now < percent or _raised(session, scope, period, unit, percent):
                    continue
                alert = LimitAlert(
                    scope=scope,
                    period=period,
                    unit=unit,
                    percent=percent,
                    spent=spent,
                    limit_value=float(limit),
                    unpriced_calls=total.unpriced_calls,
                    run_id=run_id,
                    raised_at=moment,
                )
                session.add(alert)
                session.flush()
                outcome.alerts.append(alert)
                if percent == HALT_PERCENT:
                    halt = _halt(session, scope, alert, moment)
                    if halt is not None:
                        outcome.halts.append(halt)
    return outcome


def _limits_of(limits: SpendLimits) -> Iterator[tuple[Window, Unit, float]]:
    windows: tuple[Window, ...] = ("day", "month")
    units: tuple[Unit, ...] = ("usd", "tokens")
    for window in windows:
        for unit in units:
            value = limits.limit(window, unit)
            if value is not None:
                yield window, unit, value


def _raised(session: Session, scope: str, period: str, unit: str, percent: int) -> bool:
    found = session.scalar(
        select(LimitAlert.id).where(
            LimitAlert.scope == scope,
            LimitAlert.period == period,
            LimitAlert.unit == unit,
            LimitAlert.percent == percent,
        )
    )
    return found is not None


def _halt(session: Session, scope: str, alert: LimitAlert, moment: datetime) -> Halt | None:
    """Halt `scope` in this transaction, unless it is halted already (by anyone)."""
    if session.get_bind().dialect.name == "postgresql":
        # The lock `HaltRepository.add` takes for the scope: a person halting it at this moment
        # and this halt are serialised, so the scope ends up with one active halt.
        digest = hashlib.sha256(f"halt:{scope}".encode()).digest()[:8]
        session.execute(
            select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True)))
        )
    active = session.scalar(
        select(Halt.id).where(Halt.scope == scope, Halt.lifted_at.is_(None)).limit(1)
    )
    if active is not None:
        return None
    halt = Halt(scope=scope, reason=describe_alert(alert), by=LIMITS_ACTOR, created_at=moment)
    session.add(halt)
    session.flush()
    return halt
