"""The gate judged again once the forge's checks on the pushed head are known.

A run's gate judges before delivery pushes, so its recorded context says "forge checks: not
read". Before a merge at L2 or L3, the forge's required checks are read and the recorded
context is judged again with them (`GateContext.checks`) under the same policies: the new
`gate.decision` event is the one the merge rests on, and `tests_green` names both suites.
"""

from __future__ import annotations

import json
from pathlib import Path

from factory.config import RepoConfig
from factory.gate.replay import GATE_DECISION_EVENT, gate_decision_payload
from factory.gate.repo_policies import open_base, repo_policies
from factory.store.store import Store
from factory.support.utc import utcnow
from policies.evaluation import evaluate_gate
from policies.models import ChecksSummary, Decision, GateContext


def rejudge_with_checks(
    store: Store,
    run_id: str,
    settings: RepoConfig,
    checks: ChecksSummary,
    *,
    clone: Path | None = None,
) -> tuple[GateContext, Decision] | None:
    """The run's last recorded gate context judged again with `checks`, recorded as a new
    `gate.decision` event; None when the run has no recorded decision."""
    recorded = None
    for event in reversed(store.events.read(run_id)):
        if event.kind == GATE_DECISION_EVENT:
            recorded = json.loads(event.payload)
            break
    if recorded is None:
        return None
    if recorded["context"].get("checks") == checks.model_dump(mode="json"):
        # Judged with these very checks already (a delivery resumed after a crash).
        return (
            GateContext.model_validate(recorded["context"]),
            Decision.model_validate(recorded["decision"]),
        )
    recorded = recorded["context"]
    halt = store.halts.for_repo(str(recorded["repo"]))
    context = GateContext.model_validate(recorded).model_copy(
        update={
            "checks": checks,
            "now": utcnow(),
            "halted": halt is not None,
            "halt_reason": f"{halt.reason} (by {halt.by}, scope {halt.scope})" if halt else None,
        }
    )
    decision = evaluate_gate(
        context, repo_policies(settings, open_base(settings, clone)), settings.risk
    )
    store.events.append(
        run_id, GATE_DECISION_EVENT, "system", gate_decision_payload(context, decision)
    )
    return context, decision
