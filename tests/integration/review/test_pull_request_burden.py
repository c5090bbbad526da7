"""Humans' merged pull requests read from real git beside the factory's, in the review's
reviewer burden (real git, real SQLite)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from factory.review.build import ReviewOptions, build_review
from factory.store import Store
from tests.support.pull_request_history import merged_by_person, opened
from tests.support.review_history import NOW, GitRepo, History, config_for, days_ago


@pytest.mark.integration
def test_humans_waiting_hours_per_merged_pr_come_from_git_and_comments_stay_unknown(
    tmp_path: Path,
) -> None:
    git = GitRepo(tmp_path / "svc")
    git.commit("base.txt", days_ago(40))
    # A person's PR: last pushed 5 days ago at noon, merged 6 h later (GitHub's merge subject).
    git.git("checkout", "-q", "-b", "feature")
    git.commit("feature.txt", days_ago(5, 6))
    git.git("checkout", "-q", "main")
    merge = ["merge", "-q", "--no-ff", "-m", "Merge pull request #7 from acme/feature", "feature"]
    git.git(*merge, when=days_ago(5))
    # A direct commit is no pull request; a squash-merge names its PR but keeps no branch.
    git.commit("direct.txt", days_ago(4), message="fix typo")
    git.commit("squash.txt", days_ago(3), message="Add thing (#8)")
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    start = days_ago(2)
    History(store).run(
        "svc",
        "T-1",
        at=start,
        status="merged",
        steps=[opened(start, 1), merged_by_person(start + timedelta(hours=3), 1)],
    )
    config = config_for(tmp_path, {"svc": tmp_path / "svc"})
    result = build_review(config, store, ReviewOptions(now=NOW, verify_audit=False))
    human = result.pull_requests[0].human_burden
    assert human is not None and human.merged_prs == 2  # #7 and #8, not the direct commit
    assert human.waiting_hours_per_merged_pr.value == 6.0  # #8 kept no branch to time
    assert "1 squashed PR(s)" in (human.waiting_hours_per_merged_pr.note or "")
    assert human.comments_per_merged_pr.value is None
    factory = result.pull_requests[0].factory_burden
    assert (factory.merged_prs, factory.waiting_hours_per_merged_pr.value) == (1, 3.0)
