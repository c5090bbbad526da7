"""A person presses GitHub's merge (or close) button on a factory PR: the forge tells the
factory, the run's record follows, and the review counts the merge once, with its lead times.

Real PyGithub and git against the local fake GitHub, a real SQLite store.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from factory.config import FactoryConfig
from factory.forges import GitHubForge, PullRequestRequest
from factory.git import commit_step, create_worktree, ensure_clone, fetch_clone
from factory.review.build import ReviewOptions, build_review
from factory.run.pr_sync import sync_repo
from factory.store import Store
from tests.support.fake_github import FakeGitHub
from tests.support.review_history import NOW, History, config_for, days_ago

pytestmark = pytest.mark.integration


@pytest.fixture
def config(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FactoryConfig:
    monkeypatch.setenv("GITHUB_TOKEN", fake_github.token)
    monkeypatch.setenv("GITHUB_API_URL", fake_github.api_url)
    return config_for(tmp_path, {"app": None})  # `github = "acme/app"`


def open_factory_pr(
    fake_github: FakeGitHub, config: FactoryConfig, store: Store, run_id: str, ticket: str
) -> int:
    """A run that committed (Factory-Run trailer), pushed and opened a PR, as delivery does."""
    forge = GitHubForge(
        "acme/app",
        fake_github.token,
        helper_dir=config.factory.data_dir / "ask",
        api_url=fake_github.api_url,
    )
    clone = ensure_clone(forge.clone_url, config.factory.data_dir / "clones", env=forge.git_env())
    branch = f"factory/{run_id}-change"
    worktree = create_worktree(
        clone, base_branch="main", branch=branch, path=config.factory.data_dir / run_id
    )
    (worktree.path / f"{run_id}.txt").write_text("change\n")
    commit_step(worktree, message="change", run_id=run_id, step="code-1", ticket_ref=ticket)
    forge.push_branch(worktree.path, branch)
    pull = forge.open_pull_request(
        PullRequestRequest(head_branch=branch, base_branch="main", title=f"Change {run_id}")
    )
    History(store).run(
        "app",
        ticket,
        at=days_ago(3, 4),
        status="pr_open",
        level="L1",
        run_id=run_id,
        steps=[
            (days_ago(3, 3), "git.commit", "system", {"sha": "c1"}),
            (days_ago(3, 2), "pr.opened", "system", {"number": pull.number}),
        ],
    )
    return pull.number


def test_a_merge_on_github_seen_through_the_forge_counts_once_with_lead_times(
    fake_github: FakeGitHub, config: FactoryConfig
) -> None:
    with Store.open(config) as store:
        History(store).ticket("acme/app#7", opened=days_ago(3, 10))
        History(store).ticket("acme/app#8", opened=days_ago(3, 10))
        merged_pr = open_factory_pr(fake_github, config, store, "r-ghmerge01", "acme/app#7")
        closed_pr = open_factory_pr(fake_github, config, store, "r-ghclose01", "acme/app#8")
        fake_github.merge_as_person(merged_pr, "ana", at=days_ago(2))
        fake_github.close_as_person(closed_pr)

        settled = sync_repo(config, store, "app")
        again = sync_repo(config, store, "app")

        assert sorted((s.run_id, s.decision, s.by) for s in settled) == [
            ("r-ghclose01", "closed", None),
            ("r-ghmerge01", "merged", "ana"),
        ]
        assert again == []  # recorded once
        merged_run, closed_run = store.runs.get("r-ghmerge01"), store.runs.get("r-ghclose01")
        assert (merged_run.status, closed_run.status) == ("merged", "closed")
        merge_event = next(e for e in store.events.read("r-ghmerge01") if e.kind == "pr.merged")
        assert merge_event.actor == "human:ana"

        result = build_review(config, store, ReviewOptions(now=NOW))
        dora = result.factory_dora
        assert dora.deployments == 1
        assert dora.lead_time_ticket.value == 34.0  # ticket read 3 d 10 h ago, merged 2 d ago
        assert dora.lead_time_commit.value == 27.0  # first commit 3 d 3 h ago
        assert result.factory.delivery.prs_merged.value == 1

        # The cached clone learns of the merge commit (every run fetches it): git and the
        # record now both show the change, and it still counts once.
        clone = next((config.factory.data_dir / "clones").glob("app-*.git"))
        fetch_clone(
            clone,
            env=GitHubForge(
                "acme/app",
                fake_github.token,
                helper_dir=config.factory.data_dir / "ask",
                api_url=fake_github.api_url,
            ).git_env(),
        )
        refetched = build_review(config, store, ReviewOptions(now=NOW + timedelta(days=20)))
    assert refetched.factory_dora.deployments == 1
    entry = next(entry for entry in refetched.dora if entry.repo == "app")
    assert entry.human is not None
    assert entry.agent.deployments == 1


def test_a_pr_whose_run_failed_after_it_opened_is_still_settled_by_a_persons_merge(
    fake_github: FakeGitHub, config: FactoryConfig
) -> None:
    # A follow-up round that failed (a model error) leaves its run `failed` and the PR open;
    # a person may still merge it, and that merge is the factory's change delivered.
    with Store.open(config) as store:
        History(store).ticket("acme/app#9", opened=days_ago(3, 10))
        number = open_factory_pr(fake_github, config, store, "r-ghfailed1", "acme/app#9")
        store.runs.update("r-ghfailed1", status="failed", outcome="round 1: the model failed")
        fake_github.merge_as_person(number, "ana", at=days_ago(1))

        settled = sync_repo(config, store, "app")

        assert [(s.run_id, s.decision, s.by) for s in settled] == [("r-ghfailed1", "merged", "ana")]
        assert store.runs.get("r-ghfailed1").status == "merged"
        assert sync_repo(config, store, "app") == []  # recorded once
