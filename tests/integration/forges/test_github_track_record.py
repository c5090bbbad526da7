"""Earned autonomy's track record of a GitHub repository: what the runs' events say of their
pull requests (GitHub's merges and closes never reach the store's pull requests table).

Real PyGithub and git against the local fake GitHub, a real SQLite store; each ending is
written by the code that writes it in a run: `merge.done` as delivery records the factory's
merge, `sync_repo` for a person's merge or close on GitHub, `record_reconciled` for the
factory's withdrawal when the ticket closed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from factory.config import FactoryConfig
from factory.forges import GitHubForge, PullRequestRequest
from factory.git import commit_step, create_worktree, ensure_clone
from factory.governance.autonomy import assess_repo
from factory.governance.track_record import gather_track_record, pull_lives
from factory.run.pr_sync import record_reconciled, sync_repo
from factory.store import RunStatus, Store
from tests.support.fake_github import FakeGitHub
from tests.support.pull_request_history import review_round
from tests.support.review_history import History, Step, config_for, days_ago

pytestmark = pytest.mark.integration


@pytest.fixture
def config(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FactoryConfig:
    monkeypatch.setenv("GITHUB_TOKEN", fake_github.token)
    monkeypatch.setenv("GITHUB_API_URL", fake_github.api_url)
    config = config_for(tmp_path, {"app": None})  # `github = "acme/app"`
    config.repo("app").base_branch = "main"  # what the preflight detects on GitHub
    return config


def github_forge(fake_github: FakeGitHub, config: FactoryConfig) -> GitHubForge:
    return GitHubForge(
        "acme/app",
        fake_github.token,
        helper_dir=config.factory.data_dir / "ask",
        api_url=fake_github.api_url,
    )


def open_factory_pr(
    fake_github: FakeGitHub,
    config: FactoryConfig,
    store: Store,
    run_id: str,
    later: list[Step] | None = None,
) -> int:
    """A run that committed, pushed and opened a PR on GitHub, as delivery does; `later`:
    events of the PR's life after it opened (a review round)."""
    forge = github_forge(fake_github, config)
    clone = ensure_clone(forge.clone_url, config.factory.data_dir / "clones", env=forge.git_env())
    branch = f"factory/{run_id}-change"
    worktree = create_worktree(
        clone, base_branch="main", branch=branch, path=config.factory.data_dir / run_id
    )
    (worktree.path / f"{run_id}.txt").write_text("change\n")
    commit_step(worktree, message="change", run_id=run_id, step="code-1", ticket_ref="t")
    forge.push_branch(worktree.path, branch)
    pull = forge.open_pull_request(
        PullRequestRequest(head_branch=branch, base_branch="main", title=f"Change {run_id}")
    )
    opened: Step = (days_ago(3, 2), "pr.opened", "system", {"number": pull.number})
    History(store).run(
        "app",
        f"acme/app#{pull.number}",
        at=days_ago(3, 4),
        status="pr_open",
        level="L1",
        run_id=run_id,
        steps=[opened, *(later or [])],
    )
    return pull.number


def test_github_merges_and_peoples_closes_reach_the_track_record_each_once(
    fake_github: FakeGitHub, config: FactoryConfig
) -> None:
    forge = github_forge(fake_github, config)
    with Store.open(config) as store:
        by_factory = open_factory_pr(fake_github, config, store, "r-factory01")
        after_review = open_factory_pr(
            fake_github, config, store, "r-review01", review_round(days_ago(2, 20), 1)
        )
        closed = open_factory_pr(fake_github, config, store, "r-closed01")
        withdrawn = open_factory_pr(fake_github, config, store, "r-withdrawn1")

        # The factory merges at L2 (delivery's `merge.done`, with GitHub's merge commit).
        factory_sha = forge.merge(by_factory)
        store.events.append(
            "r-factory01", "merge.done", "system", {"pr": by_factory, "sha": factory_sha}
        )
        store.runs.update("r-factory01", status=RunStatus.MERGED)
        # A person merges after a review round, another closes one unmerged, on GitHub.
        person_sha = fake_github.merge_as_person(after_review, "ana", at=days_ago(2))
        fake_github.close_as_person(closed)
        assert len(sync_repo(config, store, "app")) == 2
        # The ticket of the last one was closed: the factory withdraws its PR.
        forge.close(withdrawn)
        record_reconciled(
            store,
            "r-withdrawn1",
            RunStatus.TICKET_CLOSED,
            reason="the ticket acme/app#9 was closed",
            by="forge:github",
        )

        assert store.pull_requests.all(repo="app") == []  # GitHub's PRs live on GitHub
        record = gather_track_record(
            store.pull_requests, "app", None, "main", lives=pull_lives(store, "app")
        )
        assessment = assess_repo(config, store, "app")

    merges = sorted((m.pr, m.sha, m.after_changes) for m in record.merges)
    assert merges == sorted([(by_factory, factory_sha, False), (after_review, person_sha, True)])
    (person_merge,) = [m for m in record.merges if m.pr == after_review]
    assert person_merge.merged_at == days_ago(2)  # GitHub's merge time, not when it was seen
    assert [(r.pr, r.reason) for r in record.rejections] == [(closed, "closed by a human")]
    # Earned autonomy sees them: two merges in its window, one after changes, one rejection.
    counts = (
        assessment.window_merges,
        assessment.window_merges_after_changes,
        assessment.window_rejections,
    )
    assert counts == (2, 1, 1)
