"""Replay: re-judge past runs' recorded gate contexts under the current or a proposed config.

The gate node records each decision as a `gate.decision` event whose payload holds the
`context` (GateContext as JSON) and the `decision` (Decision as JSON). Replaying those
contexts through another configuration lists the runs whose decision would change: the
evidence a leader needs before tightening or loosening a policy.
"""

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from factory.config import ConfigError, FactoryConfig
from factory.gate.repo_policies import clamp_level, open_base, repo_policies
from factory.store.store import Store
from policies.config import AutonomyLevel
from policies.errors import PolicyConfigError
from policies.evaluation import evaluate_gate
from policies.models import Decision, DecisionKind, GateContext
from policies.protocol import Policy

GATE_DECISION_EVENT = "gate.decision"


def gate_decision_payload(ctx: GateContext, decision: Decision) -> dict[str, object]:
    """The payload the gate node appends as a `gate.decision` event (replayable later)."""
    return {
        "context": ctx.model_dump(mode="json"),
        "decision": decision.model_dump(mode="json"),
    }


class ReplayChange(BaseModel):
    """One run whose decision would differ."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    repo: str
    at: str
    level: AutonomyLevel
    recorded: DecisionKind
    replayed: DecisionKind
    changed_verdicts: list[str] = Field(default_factory=list)
    """`policy: before -> after` for every policy whose outcome differs or that is new/gone."""


class ReplayReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evaluated: int = 0
    unchanged: int = 0
    changes: list[ReplayChange] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    """Runs that could not be replayed, with why (unknown repo, unreadable record...)."""


def _verdict_changes(before: Decision, after: Decision) -> list[str]:
    old = {v.policy: v.outcome.value for v in before.verdicts}
    new = {v.policy: v.outcome.value for v in after.verdicts}
    return [
        f"{name}: {old.get(name, '(absent)')} -> {new.get(name, '(absent)')}"
        for name in dict.fromkeys([*old, *new])
        if old.get(name) != new.get(name)
    ]


def latest_gate_records(
    store: Store, since: datetime, repo: str | None
) -> tuple[dict[str, tuple[str, dict[str, object]]], list[str]]:
    """run id -> (timestamp, payload) of each run's last `gate.decision` since `since`."""
    latest: dict[str, tuple[str, dict[str, object]]] = {}
    skipped: list[str] = []
    for event in store.events.iterate(since=since):
        if event.kind != GATE_DECISION_EVENT:
            continue
        try:
            payload = json.loads(event.payload)
            context = payload["context"]
            if repo is not None and context.get("repo") != repo:
                continue
        except (ValueError, KeyError, TypeError, AttributeError):
            skipped.append(f"{event.run_id}: gate.decision event #{event.seq} is not readable")
            continue
        latest[event.run_id] = (event.ts, payload)
    return latest, skipped


def replay_decisions(
    config: FactoryConfig, store: Store, *, since: datetime, repo: str | None = None
) -> ReplayReport:
    """Re-evaluate every recorded gate since `since` under `config`."""
    records, skipped = latest_gate_records(store, since, repo)
    report = ReplayReport(skipped=skipped)
    gates: dict[str, list[Policy] | str] = {}
    for run_id, (ts, payload) in records.items():
        try:
            ctx = GateContext.model_validate(payload["context"])
            before = Decision.model_validate(payload["decision"])
        except (ValidationError, KeyError, TypeError) as exc:
            report.skipped.append(
                f"{run_id}: recorded gate does not validate ({exc.__class__.__name__})"
            )
            continue
        if ctx.repo not in gates:
            try:
                settings = config.repo(ctx.repo)
                gates[ctx.repo] = repo_policies(settings, open_base(settings, None))
            except (ConfigError, PolicyConfigError) as exc:
                gates[ctx.repo] = str(exc).splitlines()[0]
        gate = gates[ctx.repo]
        if isinstance(gate, str):
            report.skipped.append(f"{run_id}: {gate}")
            continue
        settings = config.repo(ctx.repo)
        ctx = ctx.model_copy(update={"level": clamp_level(settings.autonomy, ctx.level)})
        after = evaluate_gate(ctx, gate, settings.risk)
        report.evaluated += 1
        if after.decision is before.decision and after.draft == before.draft:
            report.unchanged += 1
            continue
        report.changes.append(
            ReplayChange(
                run_id=run_id,
                repo=ctx.repo,
                at=ts,
                level=ctx.level,
                recorded=before.decision,
                replayed=after.decision,
                changed_verdicts=_verdict_changes(before, after),
            )
        )
    return report


def decisions_at_levels(
    config: FactoryConfig, payload: dict[str, object], levels: list[AutonomyLevel]
) -> dict[str, DecisionKind]:
    """What the gate would have decided on one recorded `gate.decision` payload at each of
    `levels`, under `config`, without clamping to the repository's range: an eval asks what
    L2 or L3 would have done with a change it judged at L1. Raises ValidationError,
    ConfigError or PolicyConfigError when the record or the configuration cannot be read."""
    ctx = GateContext.model_validate(payload["context"])
    settings = config.repo(ctx.repo)
    gate = repo_policies(settings, open_base(settings, None))
    return {
        level.value: evaluate_gate(
            ctx.model_copy(update={"level": level}), gate, settings.risk
        ).decision
        for level in levels
    }
