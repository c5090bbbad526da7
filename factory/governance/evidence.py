"""Autonomy evidence: the eval that may lift a repository above L1, read from the store.

With `[repos.*.autonomy_evidence]`, `governance.autonomy.assess_repo` asks here for the
latest finished eval under the repository's current configuration hash, and counts toward
promotion only the merges of runs made under that hash: a new model, prompt or policy set
starts a new record, and the level stays at L1 until an eval under it passes. The rule
itself is applied by `policies.autonomy` (pure).
"""

from __future__ import annotations

import json

from factory.store.pull_request_life import MERGED_KINDS, OPENED_KINDS
from factory.store.store import Store
from policies.models import EvalEvidence, TrackRecord


def eval_evidence(store: Store, repo: str, config_hash: str) -> EvalEvidence:
    """The latest finished eval of `repo` under `config_hash` (eval_id None when none)."""
    for record in store.evals.latest(repo=repo, config_hash=config_hash):
        if record.status != "finished":
            continue
        summary = json.loads(record.summary or "{}")
        return EvalEvidence(
            config_hash=config_hash,
            eval_id=record.id,
            tasks=int(summary.get("tasks", 0)),
            resolved_rate=(summary.get("resolved") or {}).get("value"),
            false_merge_rate=(summary.get("false_merge") or {}).get("value"),
        )
    return EvalEvidence(config_hash=config_hash)


def under_configuration(
    store: Store, repo: str, record: TrackRecord, config_hash: str
) -> TrackRecord:
    """`record` with only the merges of runs made under `config_hash`; reverts, incidents
    and rejections stay whatever configuration made the change they name. A run's pull
    request is known by the number its events recorded (every forge), or by the store's pull
    requests table (the local forge's)."""
    made_here = [
        run.id
        for run in store.runs.latest(repo=repo, limit=100_000)
        if run.config_hash == config_hash
    ]
    lives = store.pull_request_life.of_runs(made_here, sorted(OPENED_KINDS | MERGED_KINDS))
    current = {life.number for life in lives.values() if life.number is not None}
    runs = set(made_here)
    current |= {pull.number for pull in store.pull_requests.all(repo=repo) if pull.run_id in runs}
    merges = [merge for merge in record.merges if merge.pr in current]
    return record.model_copy(update={"merges": merges})
