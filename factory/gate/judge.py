"""Judging one change with a repository's real gate: the single path shared by a run's gate
node (`factory.run.judging`) and `factory policy check`, so evaluate mode decides exactly as a
run would.

Everything that governs the decision comes from the base branch or the store: policy sources,
owners and reverts from one snapshot of the base branch (`BaseSnapshot`, resolved once per
judgement), halts and the earned level from the store. The caller appends
`gate_decision_payload(judgement.context, judgement.decision)` as a `gate.decision` event, and
the assessment's `level_change_event()` when not None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from factory.config import FactoryConfig
from factory.gate.gate_context import build_gate_context
from factory.gate.owners import read_owners
from factory.gate.repo_policies import open_base, repo_policies
from factory.gate.request import GateRequest
from factory.governance.autonomy import assess_repo
from factory.governance.track_record import gather_track_record, withdrawn_runs
from factory.store.store import Store
from policies.autonomy import Assessment
from policies.evaluation import evaluate_gate, repo_policy_paths
from policies.models import Decision, GateContext


@dataclass(frozen=True)
class Judgement:
    decision: Decision
    context: GateContext
    assessment: Assessment | None
    """The earned level, when no level was imposed by the caller."""


def judge_change(config: FactoryConfig, store: Store, request: GateRequest) -> Judgement:
    """Every verdict and the decision for `request.diff` in `request.repo`.

    A GitHub repository without a clone gets no owners, and its file policies fail closed.
    Raises ConfigError (unknown repo) or PolicyConfigError (bad policy listing)."""
    settings = request.settings or config.repo(request.repo)
    moment = request.now or datetime.now(UTC)
    base = open_base(settings, request.clone)
    assessment = (
        None if request.level is not None else assess_repo(config, store, request.repo, now=moment)
    )
    level = request.level or (assessment.level if assessment else settings.autonomy.min)
    track_record = request.track_record
    if track_record is None and base is not None:
        track_record = gather_track_record(
            store.pull_requests,
            request.repo,
            base.repo,
            base.sha,
            withdrawn=withdrawn_runs(store.runs, request.repo),
        )
    halt = store.halts.for_repo(request.repo)
    ctx = build_gate_context(
        request,
        level=level,
        now=moment,
        track_record=track_record,
        owners=read_owners(base, request.diff.touched_paths) if base is not None else {},
        halt_reason=f"{halt.reason} (by {halt.by}, scope {halt.scope})" if halt else None,
        policy_sources=repo_policy_paths(settings.policies),
    )
    decision = evaluate_gate(ctx, repo_policies(settings, base), settings.risk)
    return Judgement(decision=decision, context=ctx, assessment=assessment)
