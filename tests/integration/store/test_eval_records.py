"""Eval records on both backends, and what governance reads of them: the evidence under a
configuration, the track record of that configuration only, and eval runs kept out of sight."""

from datetime import UTC, datetime

from factory.governance.evidence import eval_evidence, under_configuration
from factory.store import Store
from policies.models import MergedChange, TrackRecord

HASH_A, HASH_B = "a" * 64, "b" * 64


def test_tasks_are_replaced_by_instance_id_and_drops_keep_their_reason(store: Store) -> None:
    store.evals.save_task(
        "app",
        "app__1",
        base_commit="0" * 40,
        problem_statement="one",
        fail_to_pass='["t::a"]',
        status="valid",
    )
    store.evals.save_task(
        "app",
        "app__1",
        base_commit="1" * 40,
        problem_statement="one again",
        fail_to_pass='["t::a"]',
        status="valid",
    )
    store.evals.save_task(
        "app",
        "app__2",
        base_commit="2" * 40,
        status="dropped",
        drop_reason="flaky: t::b changed outcome",
    )
    (task,) = store.evals.tasks("app")
    assert (task.instance_id, task.base_commit, task.problem_statement) == (
        "app__1",
        "1" * 40,
        "one again",
    )
    (dropped,) = store.evals.tasks("app", status="dropped")
    assert dropped.drop_reason == "flaky: t::b changed outcome"
    assert len(store.evals.tasks(None, status=None)) == 2


def test_the_evidence_is_the_latest_finished_eval_under_the_hash(store: Store) -> None:
    assert eval_evidence(store, "app", HASH_A).eval_id is None
    old = store.evals.create("app", HASH_A, {})
    store.evals.set_summary(
        old.id, {"tasks": 20, "resolved": {"value": 0.4}, "false_merge": {"value": 0.0}}
    )
    store.evals.set_status(old.id, "finished")
    newer = store.evals.create("app", HASH_A, {})
    store.evals.set_summary(
        newer.id, {"tasks": 21, "resolved": {"value": 0.7}, "false_merge": {"value": 0.0}}
    )
    store.evals.set_status(newer.id, "finished")
    stopped = store.evals.create("app", HASH_A, {})
    store.evals.set_status(stopped.id, "stopped")
    other = store.evals.create("app", HASH_B, {})
    store.evals.set_status(other.id, "finished")
    found = eval_evidence(store, "app", HASH_A)
    assert (found.eval_id, found.tasks, found.resolved_rate) == (newer.id, 21, 0.7)
    assert eval_evidence(store, "app", HASH_B).tasks == 0


def test_only_merges_made_under_the_configuration_count_toward_promotion(store: Store) -> None:
    now = datetime.now(UTC)
    before = store.runs.create("t#1", "app", config_hash=HASH_A)
    after = store.runs.create("t#2", "app", config_hash=HASH_B)
    for number, run in ((1, before), (2, after)):
        store.pull_requests.create(
            repo="app",
            number=number,
            title="x",
            head_branch=f"b{number}",
            base_branch="main",
            run_id=run.id,
            status="merged",
        )
    record = TrackRecord(
        merges=[MergedChange(sha=f"{n:040x}", merged_at=now, pr=n) for n in (1, 2)]
    )
    assert [m.pr for m in under_configuration(store, "app", record, HASH_B).merges] == [2]


def test_eval_runs_stay_out_of_run_listings(store: Store) -> None:
    store.runs.create("t#1", "app")
    evaluated = store.runs.create("eval:e-1/app__1/0", "app", eval_id="e-1", config_hash=HASH_A)
    assert [run.ticket_ref for run in store.runs.latest()] == ["t#1"]
    assert [run.id for run in store.runs.latest(eval_id="e-1")] == [evaluated.id]
