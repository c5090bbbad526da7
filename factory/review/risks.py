"""The top risks of a review, ranked, each with its evidence and one suggested action."""

from __future__ import annotations

from collections.abc import Sequence

from factory.review.schema import (
    InitiativeStatus,
    Pillars,
    RepoDora,
    Risk,
    Scorecard,
)
from factory.support.wording import plural

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
CFR_ALARM = 0.15
"""A factory change fail rate above this (DORA 2024's high tier sits at 20%) is a risk."""
OLD_WAIT_HOURS = 24.0


def _pct(value: float | None) -> str:
    return "?" if value is None else f"{value:.0%}"


def find_risks(
    repositories: Sequence[Pillars],
    dora: Sequence[RepoDora],
    initiatives: Sequence[InitiativeStatus],
    scorecards: Sequence[Scorecard],
    factory: Pillars,
) -> list[Risk]:
    risks: list[tuple[str, Risk]] = []

    def add(severity: str, repo: str | None, title: str, evidence: list[str], action: str) -> None:
        risk = Risk(
            rank=0,
            severity=severity,
            repo=repo,
            title=title,
            evidence=evidence,
            action=action,
        )
        risks.append((severity, risk))

    if factory.vigilance.audit.checked and factory.vigilance.audit.ok is False:
        add(
            "high",
            None,
            "the audit log does not verify",
            factory.vigilance.audit.breaks[:5],
            "run `factory audit verify`, find who edited the record, halt until explained",
        )
    by_repo = {pillars.name: pillars for pillars in repositories}
    for entry in dora:
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
        add(
            "high" if cfr.value >= 0.2 else "medium",
            entry.repo,
            f"{entry.repo}: change fail rate {was}{_pct(cfr.value)}{since}",
            [
                f"{entry.agent.failed_changes} of {entry.agent.changes} factory changes failed",
                *([f"promotion in run {p.run_id}" for p in promotions[-1:]]),
            ],
            f"lower {entry.repo}'s max autonomy level or `factory halt --repo {entry.repo}`",
        )
    for pillars in repositories:
        linked = pillars.reliability.incidents_linked.value or 0
        if linked:
            add(
                "high",
                pillars.name,
                f"{pillars.name}: {plural(int(linked), 'incident')} caused by factory changes",
                [f"{pillars.name}: see `factory incident list --repo {pillars.name}`"],
                "review the root causes; lower the max level until the gates would catch them",
            )
        old = [w for w in pillars.delivery.waiting_queue if w.age_hours >= OLD_WAIT_HOURS]
        if old:
            add(
                "medium",
                pillars.name,
                f"{pillars.name}: {plural(len(old), 'run')} waiting for a person over a day "
                f"(oldest {old[0].age_hours:.0f} h)",
                [w.run_id for w in old[:5]],
                f"decide them: `factory approve {old[0].run_id}` or "
                f"`factory reject {old[0].run_id} --reason ...`",
            )
        green = pillars.reliability.first_try_green_rate
        if (
            green.value is not None
            and green.previous is not None
            and green.value < green.previous - 0.2
        ):
            add(
                "medium",
                pillars.name,
                f"{pillars.name}: runs with no new failures at the first try "
                f"{_pct(green.previous)} → {_pct(green.value)}",
                [f"{plural(pillars.runs, 'run')} in the period"],
                "look at the failing runs' test reports; check the base branch's tests",
            )
        wasted, spend = (
            pillars.efficiency.spend_on_nothing.value,
            pillars.efficiency.spend_usd.value,
        )
        if wasted and spend and wasted / spend > 0.5:
            add(
                "medium",
                pillars.name,
                f"{pillars.name}: {wasted / spend:.0%} of spend delivered nothing",
                [f"${wasted:.2f} of ${spend:.2f}"],
                "look at runs failed by reason; tighten ticket selection or budgets",
            )
        if pillars.efficiency.unpriced_calls:
            add(
                "low",
                pillars.name,
                f"{pillars.name}: cost unknown for {pillars.efficiency.unpriced_calls} model calls",
                [pillars.efficiency.spend_usd.note or ""],
                'add the model to [pricing."<model>"] in factory.toml',
            )
    for initiative in initiatives:
        if initiative.on_track is False or initiative.stalled:
            why = []
            if initiative.stalled:
                why.append(f"{plural(initiative.stalled, 'stalled ticket')}")
            if initiative.on_track is False and initiative.due:
                projected = (
                    f"{initiative.projected_completion:%Y-%m-%d}"
                    if initiative.projected_completion
                    else "never at the current rate"
                )
                why.append(f"due {initiative.due:%Y-%m-%d}, projected {projected}")
            add(
                "medium" if initiative.on_track is False else "low",
                None,
                f"initiative {initiative.name}: " + "; ".join(why),
                initiative.stalled_tickets[:5],
                f"ask {initiative.owner or 'its owner'} to unblock or re-plan it",
            )
    for card in scorecards:
        failing = [check for check in card.checks if check.passed is False]
        if failing:
            add(
                "low",
                card.repo,
                f"{card.repo}: below standard on {plural(len(failing), 'rule')}",
                [f"{check.rule}: {check.evidence}" for check in failing],
                failing[0].fix or "see its scorecard",
            )
    ordered = sorted(enumerate(risks), key=lambda item: (SEVERITY_ORDER[item[1][0]], item[0]))
    return [
        risk.model_copy(update={"rank": rank})
        for rank, (_index, (_severity, risk)) in enumerate(ordered, start=1)
    ]
