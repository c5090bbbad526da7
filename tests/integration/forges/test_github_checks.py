"""GitHub's CI through GitHubForge and the real PyGithub client, against the fake GitHub."""

from pathlib import Path

import pytest

from factory.forges import GitHubForge
from factory.forges.checks import checks_state, read_checks
from tests.support.fake_github import TOKEN, FakeGitHub
from tests.support.fake_github_checks import FakeJob

pytestmark = pytest.mark.integration


def forge_for(hub: FakeGitHub, tmp_path: Path) -> GitHubForge:
    return GitHubForge("acme/app", TOKEN, helper_dir=tmp_path / "askpass", api_url=hub.api_url)


def test_checks_statuses_and_required_checks_are_read(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    sha = fake_github.sha_of("main")
    assert sha is not None
    fake_github.checks.workflow = lambda _sha, _attempt: [
        FakeJob("lint"),
        FakeJob("test", "failure", "collecting\nE   assert 1 == 2\nFAILED t.py::x"),
    ]
    fake_github.checks.add_status(sha, "ci/legacy", "pending", "waiting")
    fake_github.checks.protect("main", ["test", "ci/legacy"])
    checks = read_checks(forge_for(fake_github, tmp_path), sha, "main")
    by_name = {check.name: check for check in checks}
    assert by_name["test"].required and by_name["test"].failed
    assert not by_name["lint"].required and by_name["lint"].passed
    assert by_name["ci/legacy"].required and not by_name["ci/legacy"].completed
    assert not by_name["ci/legacy"].rerunnable
    assert checks_state(checks) == "failing"


def test_job_log_follows_the_redirect_without_the_token(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    sha = fake_github.sha_of("main")
    assert sha is not None
    fake_github.checks.workflow = lambda _sha, _attempt: [
        FakeJob("test", "failure", "E   assert 1 == 2")
    ]
    forge = forge_for(fake_github, tmp_path)
    (test,) = forge.checks(sha)
    log = forge.check_log(test)
    assert "E   assert 1 == 2" in log
    assert log.startswith("2026-01-01T")  # GitHub prefixes each line with its timestamp
    (download,) = fake_github.checks.log_downloads
    assert "Authorization" not in download and TOKEN not in str(download)


def test_rerun_makes_a_new_attempt_of_the_failed_job(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    sha = fake_github.sha_of("main")
    assert sha is not None
    fake_github.checks.workflow = lambda _sha, attempt: [
        FakeJob("test", "failure" if attempt == 1 else "success", "flaky")
    ]
    forge = forge_for(fake_github, tmp_path)
    (first,) = forge.checks(sha)
    assert forge.rerun(first)
    (second,) = forge.checks(sha)
    assert second.id != first.id and second.passed


def test_a_commit_status_cannot_be_rerun(fake_github: FakeGitHub, tmp_path: Path) -> None:
    sha = fake_github.sha_of("main")
    assert sha is not None
    fake_github.checks.add_status(sha, "ci/legacy", "failure", "red")
    forge = forge_for(fake_github, tmp_path)
    (status,) = forge.checks(sha)
    assert status.failed and not forge.rerun(status)
    assert forge.check_log(status) == "red"
    assert forge.required_checks("main") == []  # not protected


def test_branch_protection_refuses_a_merge_until_the_required_check_is_green(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    import git

    from factory.forges import MergeBlocked

    git.Repo(fake_github.bare).git.branch("feature", "main")
    fake_github.pulls[1] = {
        "title": "t",
        "body": "",
        "head": "feature",
        "base": "main",
        "draft": False,
        "state": "open",
        "merged": False,
    }
    fake_github.checks.protect("main", ["test"])
    forge = forge_for(fake_github, tmp_path)
    with pytest.raises(MergeBlocked, match='Required status check "test" is expected'):
        forge.merge(1)
    sha = fake_github.sha_of("feature")
    assert sha is not None
    fake_github.checks.add_status(sha, "test", "success")
    assert forge.merge(1)
