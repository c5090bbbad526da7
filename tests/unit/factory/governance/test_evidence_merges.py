"""With an evidence rule, only the merges of runs made under the current configuration count:
a GitHub run's pull request is known by its events, a local one also by the store's table
(real SQLite)."""

from __future__ import annotations

from pathlib import Path

from factory.governance.evidence import under_configuration
from factory.store import RunStatus, Store
from policies.models import MergedChange, TrackRecord
from tests.support.review_history import days_ago


def test_only_merges_of_runs_under_the_configuration_count_on_github_and_locally(
    tmp_path: Path,
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    for number, config_hash in ((1, "now"), (2, "before")):  # GitHub: events only
        run = store.runs.create(
            f"acme/app#{number}", "app", status=RunStatus.MERGED, config_hash=config_hash
        )
        store.events.append(run.id, "pr.opened", "system", {"number": number})
    local = store.runs.create("t-3", "app", status=RunStatus.MERGED, config_hash="now")
    store.pull_requests.create(  # a local PR whose run recorded no opening
        repo="app", number=3, title="t", head_branch="f/3", base_branch="main", run_id=local.id
    )
    merges = [MergedChange(sha=f"{n:040x}", merged_at=days_ago(1), pr=n) for n in (1, 2, 3)]

    kept = under_configuration(store, "app", TrackRecord(merges=merges), "now")

    assert [merge.pr for merge in kept.merges] == [1, 3]
