"""Factory-wide spend limits (`[limits]`), enforced where spend happens.

- Every model call's spend is recorded in the store's ledger, and the limits of the factory
  and of the run's repository are judged in the same transaction (`factory.store.spend`).
- At 80% and 90% of a limit an alert is raised once per window: a `limits.alert` event on the
  run whose call reached it, a banner on the dashboard, a section in the morning report and,
  with `[limits] alert_issue`, a comment on that GitHub issue.
- At 100% the scope is halted by `limits`, with the reason; every run in flight there hears of
  it (`factory.halted`) and stops before its next model call; `factory unhalt` lifts it.
- Before a run starts (also a sweep's or a worker's), the limits are judged against what was
  spent so far, and dollar limits that cannot be enforced (a model without a price and no
  token limit) refuse the run: unpriced spend counts in tokens, never as $0.
"""

from __future__ import annotations

import structlog

from factory.config import FactoryConfig
from factory.config.limits import HALT_PERCENT, SpendLimits
from factory.config.prices import unpriced_models
from factory.forges.base import ForgeError
from factory.forges.build import repo_forge
from factory.governance.halts import HALTED_EVENT, runs_in_scope
from factory.store import Store
from factory.store.models import LimitAlert
from factory.store.spend import LIMITS_ACTOR, LimitCheck, describe_alert
from factory.support.errors import FactoryError

log = structlog.get_logger()

ALERT_EVENT = "limits.alert"


class LimitUnenforceable(FactoryError, ValueError):
    """A dollar limit over a model without a price, with no token limit beside it."""

    code = "config"


class SpendGuard:
    """The limits one run spends against: records its spend, and says when it must stop."""

    def __init__(self, config: FactoryConfig, store: Store, run_id: str, repo: str) -> None:
        self.config = config
        self.store = store
        self.run_id = run_id
        self.repo = repo
        self.scopes = config.limits.scopes_of(repo)

    def record(self, usd: float | None, tokens: int) -> None:
        """One model call's spend (`usd` None: the model has no price)."""
        check = self.store.spend.record(
            run_id=self.run_id, repo=self.repo, usd=usd, tokens=tokens, limits=self.scopes
        )
        act_on(self.config, self.store, check)

    def stop_reason(self) -> str | None:
        """Why the run must not make another model call: its scope reached a limit and is
        halted by `limits` (a person's halt stops runs at node boundaries, as always)."""
        for halt in self.store.halts.active():
            if halt.by == LIMITS_ACTOR and halt.scope in ("all", self.repo):
                return f"halted by {halt.by}: {halt.reason}"
        return None


def check_before_start(config: FactoryConfig, store: Store, repo: str, *, replay: bool) -> None:
    """Judge the limits a run in `repo` would spend against, before it starts: a scope already
    past a limit is halted now (the caller then finds the halt). A replayed run spends
    nothing and is held to nothing."""
    scopes = config.limits.scopes_of(repo)
    if not scopes or replay:
        return
    require_enforceable(config, scopes)
    act_on(config, store, store.spend.check(scopes))


def require_enforceable(config: FactoryConfig, scopes: list[tuple[str, SpendLimits]]) -> None:
    """A dollar limit cannot see a model without a price: refuse unless tokens are limited."""
    missing = unpriced_models(config)
    if not missing:
        return
    for scope, limits in scopes:
        if limits.has_usd and not limits.has_tokens:
            where = "[limits]" if scope == "all" else f'[limits.repos."{scope}"]'
            raise LimitUnenforceable(
                f"model {missing[0]!r} has no price, so the dollar limits of {where} cannot "
                f'see what it spends: add [pricing."{missing[0]}"] with input and output '
                f"(US dollars per million tokens), or set daily_tokens or monthly_tokens in "
                f"{where}"
            )


def act_on(config: FactoryConfig, store: Store, check: LimitCheck) -> None:
    """What follows a recorded crossing: events, the in-flight runs told, the alert posted."""
    for alert in check.alerts:
        payload = _alert_payload(alert)
        if alert.run_id is not None:
            store.events.append(alert.run_id, ALERT_EVENT, LIMITS_ACTOR, payload)
        log.warning("spend limit alert", **payload)
        _post(config, store, alert)
    for halt in check.halts:
        notice = {"scope": halt.scope, "reason": halt.reason, "by": halt.by, "halt_id": halt.id}
        for run_id in runs_in_scope(store, halt.scope):
            store.events.append(run_id, HALTED_EVENT, LIMITS_ACTOR, notice)


def _alert_payload(alert: LimitAlert) -> dict[str, object]:
    return {
        "scope": alert.scope,
        "period": alert.period,
        "unit": alert.unit,
        "percent": alert.percent,
        "spent": alert.spent,
        "limit": alert.limit_value,
        "unpriced_calls": alert.unpriced_calls,
        "halted": alert.percent >= HALT_PERCENT,
        "message": describe_alert(alert),
    }


def _post(config: FactoryConfig, store: Store, alert: LimitAlert) -> None:
    """Comment the alert on `[limits] alert_issue`; a forge that fails is recorded, and the
    run goes on (the banner and the report still say it)."""
    issue = config.limits.alert_issue
    if issue is None:
        return
    text = f"**agent-factory spend alert**: {describe_alert(alert)}."
    if alert.percent >= HALT_PERCENT:
        target = "all work" if alert.scope == "all" else f"work on {alert.scope}"
        lift = "factory unhalt" if alert.scope == "all" else f"factory unhalt --repo {alert.scope}"
        text += f" {target.capitalize()} is halted until a person runs `{lift}`."
    try:
        repo_forge(config, store.pull_requests, issue.repo).comment(issue.number, text)
    except (ForgeError, OSError) as error:
        store.spend.mark_posted(alert.id, error=str(error)[:500])
        log.warning("could not post the spend alert", error=str(error))
        return
    store.spend.mark_posted(alert.id)
