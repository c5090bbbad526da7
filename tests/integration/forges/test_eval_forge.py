"""The eval forge: delivery is recorded, nothing is pushed, a merge is refused out loud."""

import subprocess
from pathlib import Path

import pytest

from factory.forges.base import Forge, MergeBlocked, PullRequestRequest
from factory.forges.eval_forge import EvalForge


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_delivery_is_recorded_and_reaches_no_repository(tmp_path: Path) -> None:
    repo = tmp_path / "throwaway"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    git(repo, "commit", "--quiet", "-m", "a")
    git(repo, "checkout", "--quiet", "-b", "factory/fix")
    forge = EvalForge(repo)
    assert isinstance(forge, Forge)
    refs_before = git(repo, "for-each-ref")
    sha = forge.push_branch(repo, "factory/fix")
    assert sha == git(repo, "rev-parse", "HEAD")
    pull = forge.open_pull_request(
        PullRequestRequest(head_branch="factory/fix", base_branch="main", title="Fix", draft=True)
    )
    assert (
        forge.open_pull_request(
            PullRequestRequest(head_branch="factory/fix", base_branch="main", title="Fix")
        )
        == pull
    )
    forge.request_reviewers(pull.number, ["alice"])
    with pytest.raises(MergeBlocked, match="an eval never merges"):
        forge.merge(pull.number)
    assert [a["action"] for a in forge.actions] == [
        "push",
        "open_pull_request",
        "request_reviewers",
        "merge_refused",
    ]
    assert git(repo, "for-each-ref") == refs_before
    assert forge.clone_source() == (str(repo), None)
