"""GitHubForge through the real PyGithub client and real git, against the local fake GitHub."""

import logging
import subprocess
from pathlib import Path

import pytest

from factory.forges import (
    ForgeError,
    GitHubForge,
    MergeBlocked,
    PullRequestRequest,
)
from factory.gate.owners import read_owners, reviewer_names
from factory.git import commit_step, create_worktree, diff_stats, ensure_clone
from factory.git.base_reader import BaseSnapshot
from factory.git.worktree import RunWorktree
from tests.support.fake_github import FakeGitHub

pytestmark = pytest.mark.integration


def prepare_run(fake_github, tmp_path: Path, forge: GitHubForge) -> RunWorktree:  # type: ignore[no-untyped-def]
    clone = ensure_clone(forge.clone_url, tmp_path / "clones", env=forge.git_env())
    worktree = create_worktree(
        clone,
        base_branch="main",
        branch="factory/12-fix-greeting",
        path=tmp_path / "worktrees" / "run-1",
    )
    (worktree.path / "app.py").write_text("print('hello, world')\n")
    commit_step(
        worktree, message="Fix greeting", run_id="run-1", step="code-1", ticket_ref="acme/app#12"
    )
    return worktree


def make_forge(fake_github, tmp_path: Path) -> GitHubForge:  # type: ignore[no-untyped-def]
    return GitHubForge(
        "acme/app", fake_github.token, helper_dir=tmp_path / "helper", api_url=fake_github.api_url
    )


def everything_git_keeps(*repos: Path) -> str:
    texts = []
    for repo in repos:
        for args in (
            ["config", "--list", "--show-origin"],
            ["remote", "-v"],
            ["reflog", "--all"],
            ["for-each-ref"],
        ):
            texts.append(
                subprocess.run(
                    ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
                ).stdout
            )
        texts += [
            path.read_text(errors="replace")
            for path in repo.rglob("*")
            if path.is_file() and path.stat().st_size < 1_000_000
        ]
    return "\n".join(texts)


def test_push_open_comment_review_and_merge_without_leaking_the_token(
    fake_github: FakeGitHub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_github.add_issue(12, "Greeting is wrong", "Say hello, world.", ["bug"])
    forge = make_forge(fake_github, tmp_path)
    worktree = prepare_run(fake_github, tmp_path, forge)

    pushed = forge.push_branch(worktree.path, worktree.branch)
    assert fake_github.sha_of(worktree.branch) == pushed
    request = PullRequestRequest(
        head_branch=worktree.branch,
        base_branch="main",
        title="Fix greeting",
        body="plan and tests",
        draft=True,
    )
    pull = forge.open_pull_request(request)
    assert (pull.status, pull.draft, pull.head_sha, pull.forge) == ("draft", True, pushed, "github")
    assert forge.open_pull_request(request).number == pull.number  # never a duplicate
    assert len(fake_github.pulls) == 1

    forge.comment(12, "Plan: fix the string. Outcome: draft PR opened.")
    assert fake_github.comments == [(12, "Plan: fix the string. Outcome: draft PR opened.")]
    changed = diff_stats(worktree.clone, "refs/remotes/origin/main", worktree.branch).files
    owners = read_owners(BaseSnapshot(worktree.clone, "main"), changed)
    reviewers = reviewer_names(o for path in changed for o in owners[path])
    assert reviewers == ["alice", "bob"]
    forge.request_reviewers(pull.number, [*reviewers, "acme/core"])
    assert fake_github.requested[pull.number] == {"users": ["alice", "bob"], "teams": ["core"]}
    assert forge.update_body(pull.number, "updated").body == "updated"

    assert forge.mark_ready(pull.number).status == "open"
    merged = forge.merge(pull.number)
    assert fake_github.sha_of("main") == merged
    assert forge.get_pull_request(pull.number).status == "merged"
    assert forge.merge(pull.number) == merged

    out, err = capfd.readouterr()
    kept = everything_git_keeps(worktree.clone, worktree.path, fake_github.bare)
    for place in (kept, caplog.text, out, err, forge.clone_url):
        assert fake_github.token not in place
    assert "x-access-token" not in kept  # no credential ever written next to a remote


def test_branch_protection_refusal_becomes_merge_blocked(fake_github, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    forge = make_forge(fake_github, tmp_path)
    worktree = prepare_run(fake_github, tmp_path, forge)
    forge.push_branch(worktree.path, worktree.branch)
    pull = forge.open_pull_request(
        PullRequestRequest(head_branch=worktree.branch, base_branch="main", title="Fix greeting")
    )
    fake_github.protected = True
    with pytest.raises(MergeBlocked, match="approving review is required.*a person must"):
        forge.merge(pull.number)
    assert forge.get_pull_request(pull.number).status == "open"


def test_push_with_a_wrong_token_fails_without_printing_it(fake_github, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = make_forge(fake_github, tmp_path)
    worktree = prepare_run(fake_github, tmp_path, good)
    wrong_token = "ghp_wrongTokenNeverToBePrinted000000000"
    bad = GitHubForge(
        "acme/app", fake_github.token, helper_dir=tmp_path / "helper2", api_url=fake_github.api_url
    )
    bad._token = wrong_token  # the API still works; only git's credentials are wrong
    with pytest.raises(ForgeError) as raised:
        bad.push_branch(worktree.path, worktree.branch)
    assert wrong_token not in str(raised.value)
    assert fake_github.sha_of(worktree.branch) is None


def test_unknown_pull_request_and_bad_token_are_clear_errors(fake_github, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    forge = make_forge(fake_github, tmp_path)
    with pytest.raises(ForgeError, match="no pull request #555 in acme/app"):
        forge.get_pull_request(555)
    rejected = GitHubForge(
        "acme/app", "nope", helper_dir=tmp_path / "h", api_url=fake_github.api_url
    )
    with pytest.raises(ForgeError, match="rejected the token.*GITHUB_TOKEN"):
        rejected.find_pull_request("factory/x")


def test_a_draft_is_refused_as_github_does_until_it_is_marked_ready(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    forge = make_forge(fake_github, tmp_path)
    worktree = prepare_run(fake_github, tmp_path, forge)
    forge.push_branch(worktree.path, worktree.branch)
    pull = forge.open_pull_request(
        PullRequestRequest(
            head_branch=worktree.branch, base_branch="main", title="Fix greeting", draft=True
        )
    )
    main_before = fake_github.sha_of("main")

    with pytest.raises(MergeBlocked, match="Pull Request is still a draft; mark it ready"):
        forge.merge(pull.number)
    assert fake_github.sha_of("main") == main_before

    ready = forge.mark_ready(pull.number)
    assert (ready.status, ready.draft) == ("open", False)
    (mutation,) = fake_github.graphql
    assert "markPullRequestReadyForReview" in mutation["query"]
    assert mutation["variables"]["input"]["pullRequestId"].startswith("PR_")
    assert forge.mark_ready(pull.number).status == "open"  # not a draft: nothing is sent
    assert len(fake_github.graphql) == 1

    merged = forge.merge(pull.number)
    assert fake_github.sha_of("main") == merged
