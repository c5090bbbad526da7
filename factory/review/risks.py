"""The top risks of a review, ranked, each with its evidence and one suggested action.

Each kind of risk is one rule: a function of the review's figures (`RiskInputs`) returning the
risks it sees, or none. `find_risks` asks the rules in `RULES` in turn and ranks what they
found by severity; within a severity, a risk found earlier ranks higher.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from factory.review.schema import (
    InitiativeStatus,
    Pillars,
    RepoDora,
    Risk,
    Scorecard,
)
from factory.support.wording import plural

Severity = Literal["high", "medium", "low"]
SEVERITY_ORDER: dict[Severity, int] = {"high": 0, "medium": 1, "low": 2}
CFR_ALARM = 0.15
"""A factory change fail rate above this (DORA 2024's high tier sits at 20%) is a risk."""
OLD_WAIT_HOURS = 24.0


@dataclass(frozen=True)
class RiskInputs:
    """What every rule reads: the review's figures, computed before its risks."""

    repositories: Sequence[Pillars]
    dora: Sequence[RepoDora]
    initiatives: Sequence[InitiativeStatus]
    scorecards: Sequence[Scorecard]
    factory: Pillars

    def one_repository(self, pillars: Pillars) -> RiskInputs:
        return replace(self, repositories=[pillars])


Rule = Callable[[RiskInputs], list[Risk]]


def _pct(value: float | None) -> str:
    return "?" if value is None else f"{value:.0%}"


def _risk(
    severity: Severity, repo: str | None, title: str, evidence: list[str], action: str
) -> Risk:
    # Ranked by find_risks once every rule has spoken.
    return Risk(rank=0, severity=severity, repo=repo, title=title, evidence=evidence, action=action)


def audit_does_not_verify(inputs: RiskInputs) -> list[Risk]:
    audit = inputs.factory.vigilance.audit
    if not audit.checked or audit.ok is not False:
        return []
    return [
        _risk(
            "high",
            None,
            "the audit log does not verify",
            audit.breaks[:5],
            "run `factory audit verify`, find who edited the record, halt until explained",
        )
    ]


def change_fail_rate_above_alarm(inputs: RiskInputs) -> list[Risk]:
    by_repo = {pillars.name: pillars for pillars in inputs.repositories}
    found = []
    for entry in inputs.dora:
        cfr = entry.agent.change_fail_rate
        if cfr.value is None or cfr.value <= CFR_ALARM:
            continue
        pillars = by_repo.get(entry.repo)
        promotions = [
            change
            for change in (pillars.vigilance.autonomy_changes if pillars else [])
            if change.direction == "promotion"
        ]
        since = (
            f" at {promotions[-1].level} since the promotion on {promotions[-1].at:%Y-%m-%d}"
            if promotions
            else ""
        )
        was = f"{_pct(cfr.previous)} → " if cfr.previous is not None else ""
        found.append(
            _risk(
                "high" if cfr.value >= 0.2 else "medium",
                entry.repo,
                f"{entry.repo}: change fail rate {was}{_pct(cfr.value)}{since}",
                [
                    f"{entry.agent.failed_changes} of {entry.agent.changes} factory changes failed",
                    *([f"promotion in run {p.run_id}" for p in promotions[-1:]]),
                ],
                f"lower {entry.repo}'s max autonomy level or `factory halt --repo {entry.repo}`",
            )
        )
    return found


def incidents_caused(inputs: RiskInputs) -> list[Risk]:
    found = []
    for pillars in inputs.repositories:
        linked = pillars.reliability.incidents_linked.value or 0
        if linked:
            found.append(
                _risk(
                    "high",
                    pillars.name,
                    f"{pillars.name}: {plural(int(linked), 'incident')} caused by factory changes",
                    [f"{pillars.name}: see `factory incident list --repo {pillars.name}`"],
                    "review the root causes; lower the max level until the gates would catch them",
                )
            )
    return found


def runs_waiting_over_a_day(inputs: RiskInputs) -> list[Risk]:
    found = []
    for pillars in inputs.repositories:
        old = [w for w in pillars.delivery.waiting_queue if w.age_hours >= OLD_WAIT_HOURS]
        if old:
            found.append(
                _risk(
                    "medium",
                    pillars.name,
                    f"{pillars.name}: {plural(len(old), 'run')} waiting for a person over a day "
                    f"(oldest {old[0].age_hours:.0f} h)",
                    [w.run_id for w in old[:5]],
                    f"decide them: `factory approve {old[0].run_id}` or "
                    f"`factory reject {old[0].run_id} --reason ...`",
                )
            )
    return found


def first_try_green_fell(inputs: RiskInputs) -> list[Risk]:
    found = []
    for pillars in inputs.repositories:
        green = pillars.reliability.first_try_green_rate
        if (
            green.value is not None
            and green.previous is not None
            and green.value < green.previous - 0.2
        ):
            found.append(
                _risk(
                    "medium",
                    pillars.name,
                    f"{pillars.name}: runs with no new failures at the first try "
                    f"{_pct(green.previous)} → {_pct(green.value)}",
                    [f"{plural(pillars.runs, 'run')} in the period"],
                    "look at the failing runs' test reports; check the base branch's tests",
                )
            )
    return found


def spend_delivered_nothing(inputs: RiskInputs) -> list[Risk]:
    found = []
    for pillars in inputs.repositories:
        wasted = pillars.efficiency.spend_on_nothing.value
        spend = pillars.efficiency.spend_usd.value
        if wasted and spend and wasted / spend > 0.5:
            found.append(
                _risk(
                    "medium",
                    pillars.name,
                    f"{pillars.name}: {wasted / spend:.0%} of spend delivered nothing",
                    [f"${wasted:.2f} of ${spend:.2f}"],
                    "look at runs failed by reason; tighten ticket selection or budgets",
                )
            )
    return found


def cost_unknown(inputs: RiskInputs) -> list[Risk]:
    found = []
    for pillars in inputs.repositories:
        unpriced = pillars.efficiency.unpriced_calls
        if unpriced:
            found.append(
                _risk(
                    "low",
                    pillars.name,
                    f"{pillars.name}: cost unknown for {unpriced} model calls",
                    [pillars.efficiency.spend_usd.note or ""],
                    'add the model to [pricing."<model>"] in factory.toml',
                )
            )
    return found


def initiatives_behind(inputs: RiskInputs) -> list[Risk]:
    found = []
    for initiative in inputs.initiatives:
        late = initiative.on_track is False
        if not late and not initiative.stalled:
            continue
        why = []
        if initiative.stalled:
            why.append(plural(initiative.stalled, "stalled ticket"))
        if late and initiative.due:
            projected = (
                f"{initiative.projected_completion:%Y-%m-%d}"
                if initiative.projected_completion
                else "never at the current rate"
            )
            why.append(f"due {initiative.due:%Y-%m-%d}, projected {projected}")
        found.append(
            _risk(
                "medium" if late else "low",
                None,
                f"initiative {initiative.name}: " + "; ".join(why),
                initiative.stalled_tickets[:5],
                f"ask {initiative.owner or 'its owner'} to unblock or re-plan it",
            )
        )
    return found


def below_standard(inputs: RiskInputs) -> list[Risk]:
    found = []
    for card in inputs.scorecards:
        failing = [check for check in card.checks if check.passed is False]
        if failing:
            found.append(
                _risk(
                    "low",
                    card.repo,
                    f"{card.repo}: below standard on {plural(len(failing), 'rule')}",
                    [f"{check.rule}: {check.evidence}" for check in failing],
                    failing[0].fix or "see its scorecard",
                )
            )
    return found


def repository_by_repository(*rules: Rule) -> Rule:
    """`rules` asked of one repository after another, so that within a severity each
    repository's risks stay together, in the order the review has always listed them."""

    def each_repository(inputs: RiskInputs) -> list[Risk]:
        return [
            risk
            for pillars in inputs.repositories
            for rule in rules
            for risk in rule(inputs.one_repository(pillars))
        ]

    return each_repository


RULES: tuple[Rule, ...] = (
    audit_does_not_verify,
    change_fail_rate_above_alarm,
    repository_by_repository(
        incidents_caused,
        runs_waiting_over_a_day,
        first_try_green_fell,
        spend_delivered_nothing,
        cost_unknown,
    ),
    initiatives_behind,
    below_standard,
)


def find_risks(inputs: RiskInputs) -> list[Risk]:
    """Every rule's risks, ranked from 1: high before medium before low (a stable sort, so
    within a severity the order of `RULES`)."""
    found = [risk for rule in RULES for risk in rule(inputs)]
    ordered = sorted(found, key=lambda risk: SEVERITY_ORDER[risk.severity])
    return [risk.model_copy(update={"rank": rank}) for rank, risk in enumerate(ordered, start=1)]
