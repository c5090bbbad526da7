"""Earned autonomy from a real repository and store: merges promote, a real revert demotes."""

from datetime import datetime
from pathlib import Path

import pytest
from policy_git_helpers import commit_file, git

from factory.forges import LocalForge, PullRequestRequest
from factory.forges.branches import fresh_clone
from factory.forges.local_review import close_pull_request, merge_pull_request
from factory.git import commit_step, create_worktree
from factory.governance.track_record import (
    IncidentIssue,
    gather_track_record,
    incident_records,
    pull_lives,
    revert_records,
)
from factory.run.pr_sync import record_reconciled
from factory.store import RunStatus, Store
from policies.autonomy import assess_autonomy
from policies.config import AutonomyLevel, AutonomyRange, EarnedAutonomyRule
from policies.models import TrackRecord
from tests.support.pull_request_history import review_round
from tests.support.review_history import History, Step, days_ago

pytestmark = pytest.mark.integration

RANGE = AutonomyRange(min=AutonomyLevel.L1, max=AutonomyLevel.L3)


def merge_factory_changes(repo: Path, store: Store, count: int) -> list[str]:
    """`count` factory PRs merged into main, recorded in the store as the forge would."""
    shas = []
    for i in range(count):
        sha = commit_file(repo, f"src/feature_{i}.py", f"x = {i}\n", f"factory: feature {i}")
        pull = store.pull_requests.create(
            repo="demo", title=f"feature {i}", head_branch=f"factory/f{i}", base_branch="main"
        )
        store.pull_requests.update("demo", pull.number, status="merged", merged_sha=sha)
        shas.append(sha)
    return shas


def test_real_revert_commit_is_found_on_the_base_branch(repo: Path) -> None:
    bad = commit_file(repo, "src/bad.py", "boom\n", "factory: bad change")
    git(repo, "revert", "--no-edit", bad)
    (record,) = revert_records(repo, "main")
    assert record.reverted_sha == bad
    assert record.revert_sha == git(repo, "rev-parse", "HEAD")


def test_clean_merges_promote_and_a_real_revert_demotes(repo: Path, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    shas = merge_factory_changes(repo, store, 5)
    record = gather_track_record(store.pull_requests, "demo", repo, "main")
    now = record.merges[-1].merged_at
    promoted = assess_autonomy(RANGE, record, EarnedAutonomyRule(), now)
    assert promoted.level is AutonomyLevel.L2
    git(repo, "revert", "--no-edit", shas[3])
    record = gather_track_record(store.pull_requests, "demo", repo, "main")
    assert [r.reverted_sha for r in record.reverts] == [shas[3]]
    later = record.reverts[0].at
    demoted = assess_autonomy(RANGE, record, EarnedAutonomyRule(), later, previous=promoted.level)
    assert demoted.level is AutonomyLevel.L1
    assert demoted.changed_from is AutonomyLevel.L2
    payload = demoted.level_change_event()
    assert payload is not None and "revert" in payload["evidence"][-2]


def test_closed_prs_are_rejections_and_incidents_need_the_label(repo: Path, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    (sha,) = merge_factory_changes(repo, store, 1)
    closed = store.pull_requests.create(
        repo="demo", title="meh", head_branch="factory/meh", base_branch="main"
    )
    store.pull_requests.update("demo", closed.number, status="closed")
    issues = [
        IncidentIssue(
            ref="#9",
            body=f"Outage.\nroot cause: {sha[:8]}",
            labels=["Incident"],
            created_at=record_time(store),
        ),
        IncidentIssue(
            ref="#10", body=f"root cause: {sha}", labels=["bug"], created_at=record_time(store)
        ),
    ]
    record = gather_track_record(store.pull_requests, "demo", repo, "main", incidents=issues)
    assert [r.pr for r in record.rejections] == [closed.number]
    assert [(i.ref, i.root_cause_sha) for i in record.incidents] == [("#9", sha[:8])]
    assert incident_records(issues[1:]) == []


def record_time(store: Store) -> datetime:
    return store.pull_requests.all("demo")[0].updated_at


def test_without_a_clone_no_reverts_are_read(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    assert gather_track_record(store.pull_requests, "demo", None, "main") == TrackRecord()


def test_a_pr_the_factory_withdrew_with_its_ticket_is_no_ones_rejection(
    repo: Path, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    run = store.runs.create(
        "acme/app#3", "demo", branch="factory/3-x", status=RunStatus.TICKET_CLOSED
    )
    withdrawn = store.pull_requests.create(
        repo="demo", title="w", head_branch="factory/3-x", base_branch="main", run_id=run.id
    )
    store.pull_requests.update("demo", withdrawn.number, status="closed")
    # What reconciliation records when it closes a PR because its ticket closed.
    store.events.append(
        run.id, "pull.reconciled", "system", {"ending": "ticket_closed", "reason": "x", "by": None}
    )
    rejected = store.pull_requests.create(
        repo="demo", title="r", head_branch="factory/4-y", base_branch="main"
    )
    store.pull_requests.update("demo", rejected.number, status="closed")

    record = gather_track_record(
        store.pull_requests, "demo", repo, "main", lives=pull_lives(store, "demo")
    )

    assert [r.pr for r in record.rejections] == [rejected.number]


def test_a_local_forge_pr_in_the_table_and_in_its_runs_events_counts_once(
    repo: Path, tmp_path: Path
) -> None:
    """The local forge's PRs are in the store's table and on their runs' chains: each ending is
    counted once, whichever source says it; a PR no run opened is read from the table alone."""
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    forge = LocalForge(
        store.pull_requests, repo_name="demo", repo_path=repo, clone_cache=tmp_path / "clones"
    )
    clone = fresh_clone(forge, tmp_path / "data" / "clones")

    def open_pull(run_id: str, later: list[Step] | None = None) -> int:
        branch = f"factory/{run_id}"
        worktree = create_worktree(
            clone, base_branch="main", branch=branch, path=tmp_path / "wt" / run_id
        )
        (worktree.path / f"{run_id}.py").write_text("x = 1\n")
        commit_step(worktree, message=run_id, run_id=run_id, step="code-1", ticket_ref="t")
        forge.push_branch(clone, branch)
        request = PullRequestRequest(
            head_branch=branch, base_branch="main", title=run_id, run_id=run_id
        )
        number = forge.open_pull_request(request).number
        opened: Step = (days_ago(1, 2), "pr.opened", "system", {"number": number})
        History(store).run(
            "demo",
            f"t-{run_id}",
            at=days_ago(1, 3),
            status="pr_open",
            run_id=run_id,
            steps=[opened, *(later or [])],
        )
        return number

    by_factory = open_pull("r-factory01")
    after_review = open_pull("r-review01", review_round(days_ago(1, 1), 1))
    closed = open_pull("r-closed01")
    withdrawn = open_pull("r-withdrawn1")
    by_hand = commit_file(repo, "src/by_hand.py", "y = 2\n", "a PR no run opened")
    no_run = store.pull_requests.create(
        repo="demo", title="by hand", head_branch="by-hand", base_branch="main"
    )
    store.pull_requests.update("demo", no_run.number, status="merged", merged_sha=by_hand)

    factory_sha = forge.merge(by_factory)  # delivery's merge at L2, and its event
    merged = {"pr": by_factory, "sha": factory_sha}
    store.events.append("r-factory01", "merge.done", "system", merged)
    store.runs.update("r-factory01", status=RunStatus.MERGED)
    person_sha = merge_pull_request(store, forge, after_review, ready=True)  # factory pr merge
    close_pull_request(store, forge, closed, "not this way")  # factory pr close
    forge.close(withdrawn)  # the ticket closed: reconciliation withdraws the PR
    record_reconciled(
        store, "r-withdrawn1", RunStatus.TICKET_CLOSED, reason="ticket closed", by="forge:local"
    )

    record = gather_track_record(
        store.pull_requests, "demo", repo, "main", lives=pull_lives(store, "demo")
    )

    assert sorted((m.pr, m.sha, m.after_changes) for m in record.merges) == sorted(
        [
            (by_factory, factory_sha, False),
            (after_review, person_sha, True),
            (no_run.number, by_hand, False),
        ]
    )
    assert [r.pr for r in record.rejections] == [closed]
