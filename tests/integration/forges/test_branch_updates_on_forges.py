"""`mergeable` / `mergeable_state` and the leased push, on the local forge and on the fake
GitHub (real PyGithub, real git over smart HTTP)."""

from pathlib import Path

import git
import pytest

from factory.config.git import BotIdentity
from factory.forges import ForgeError, GitHubForge, LocalForge, PullRequestRequest
from factory.forges.branches import branch_head, fresh_clone
from factory.git import commit_step, create_worktree
from factory.git.rebase import rebase_onto, set_local_branch
from factory.store import Store
from tests.support.fake_github import FakeGitHub

pytestmark = pytest.mark.integration

BRANCH = "factory/12-fix-greeting"
BOT = BotIdentity()


def _github(fake_github: FakeGitHub, tmp_path: Path) -> GitHubForge:
    return GitHubForge(
        "acme/app", fake_github.token, helper_dir=tmp_path / "helper", api_url=fake_github.api_url
    )


def _push_change(forge: GitHubForge | LocalForge, tmp_path: Path, text: str) -> Path:
    clone = fresh_clone(forge, tmp_path / "clones")
    worktree = create_worktree(
        clone, base_branch="main", branch=BRANCH, path=tmp_path / "worktrees" / "run-1"
    )
    (worktree.path / "app.py").write_text(text)
    commit_step(worktree, message="Fix", run_id="run-1", step="code-1", ticket_ref="acme/app#12")
    forge.push_branch(clone, BRANCH)
    return clone


def _move_main_on_github(
    fake_github: FakeGitHub, tmp_path: Path, text: str, name: str = "app.py"
) -> None:
    work = tmp_path / "person"
    repo = git.Repo.clone_from(str(fake_github.bare), work)
    (work / name).write_text(text)
    repo.index.add([name])
    actor = git.Actor("Pat", "pat@example.com")
    repo.index.commit("main moves", author=actor, committer=actor)
    repo.git.push("origin", "main")


def test_github_serves_mergeable_like_github_and_refuses_to_merge_a_conflict(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    forge = _github(fake_github, tmp_path)
    _push_change(forge, tmp_path, "print('hello, world')\n")
    pull = forge.open_pull_request(
        PullRequestRequest(head_branch=BRANCH, base_branch="main", title="Fix greeting")
    )
    assert (pull.mergeable, pull.mergeable_state) == (None, None)  # lists and creation omit it

    opened = forge.get_pull_request(pull.number)
    assert (opened.mergeable, opened.mergeable_state) == (True, "clean")

    _move_main_on_github(fake_github, tmp_path, "print('hi there')\n")
    conflicted = forge.get_pull_request(pull.number)
    assert (conflicted.mergeable, conflicted.mergeable_state) == (False, "dirty")
    with pytest.raises(ForgeError, match="not mergeable"):
        forge.merge(pull.number)

    fake_github.close_as_person(pull.number)
    closed = forge.get_pull_request(pull.number)
    assert closed.status == "closed" and closed.mergeable is None


def test_github_takes_a_leased_push_only_over_the_head_it_was_given(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    forge = _github(fake_github, tmp_path)
    clone = _push_change(forge, tmp_path, "print('hello, world')\n")
    head = branch_head(fresh_clone(forge, tmp_path / "clones"), BRANCH)
    _move_main_on_github(fake_github, tmp_path, "x = 1\n", name="other.py")
    fresh_clone(forge, tmp_path / "clones")
    base = branch_head(clone, "main")
    assert head is not None and base is not None
    rebased = rebase_onto(clone, head_sha=head, base_sha=base, identity=BOT)
    assert rebased.head_after is not None
    set_local_branch(clone, BRANCH, rebased.head_after)

    with pytest.raises(ForgeError):
        forge.push_branch(clone, BRANCH, expected_sha=base)  # not the head: refused
    assert fake_github.sha_of(BRANCH) == head
    assert forge.push_branch(clone, BRANCH, expected_sha=head) == rebased.head_after
    assert fake_github.sha_of(BRANCH) == rebased.head_after


def test_the_local_forge_says_whether_an_open_pull_request_merges_cleanly(
    tmp_path: Path,
) -> None:
    user = tmp_path / "user"
    repo = git.Repo.init(user, initial_branch="main")
    (user / "app.py").write_text("print('hello')\n")
    repo.index.add(["app.py"])
    actor = git.Actor("User", "user@example.com")
    repo.index.commit("initial", author=actor, committer=actor)
    with Store(f"sqlite:///{tmp_path / 'factory.db'}") as store:
        forge = LocalForge(
            store.pull_requests,
            repo_name="demo",
            repo_path=user,
            clone_cache=tmp_path / "clones",
        )
        _push_change(forge, tmp_path, "print('hello, world')\n")
        pull = forge.open_pull_request(
            PullRequestRequest(head_branch=BRANCH, base_branch="main", title="Fix greeting")
        )
        assert (forge.get_pull_request(pull.number).mergeable_state) == "clean"

        (user / "app.py").write_text("print('hi there')\n")
        repo.index.add(["app.py"])
        repo.index.commit("main moves", author=actor, committer=actor)
        conflicted = forge.get_pull_request(pull.number)
        assert (conflicted.mergeable, conflicted.mergeable_state) == (False, "dirty")

        forge.close(pull.number)
        assert forge.get_pull_request(pull.number).mergeable is None


def test_github_says_null_while_it_computes_mergeability_and_the_forge_passes_it_on(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    fake_github.computing_mergeability = True
    forge = _github(fake_github, tmp_path)
    _push_change(forge, tmp_path, "print('hello, world')\n")
    pull = forge.open_pull_request(
        PullRequestRequest(head_branch=BRANCH, base_branch="main", title="Fix greeting")
    )
    first = forge.get_pull_request(pull.number)
    assert (first.mergeable, first.mergeable_state) == (None, "unknown")  # not "no conflict"
    second = forge.get_pull_request(pull.number)
    assert (second.mergeable, second.mergeable_state) == (True, "clean")
    _move_main_on_github(fake_github, tmp_path, "x = 1\n", name="other.py")
    assert forge.get_pull_request(pull.number).mergeable is None  # the base moved: again
