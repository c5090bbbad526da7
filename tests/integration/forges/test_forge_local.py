"""LocalForge against real git repositories and the real SQLite store."""

from pathlib import Path

import git
import pytest

from factory.forges import (
    ForgeError,
    LocalForge,
    MergeConflict,
    PullRequestNotFound,
    PullRequestRequest,
    push_target,
)
from factory.git import BotIdentity, commit_step, create_worktree, ensure_clone
from factory.git.worktree import RunWorktree
from factory.store.store import Store

pytestmark = pytest.mark.integration


def make_user_repo(path: Path) -> git.Repo:
    repo = git.Repo.init(path, initial_branch="main")
    (path / "app.py").write_text("print('hello')\n")
    (path / "README.md").write_text("readme\n")
    repo.index.add(["app.py", "README.md"])
    actor = git.Actor("User", "user@example.com")
    repo.index.commit("initial", author=actor, committer=actor)
    return repo


def run_branch(tmp_path: Path, source: Path, branch: str, content: str) -> RunWorktree:
    clone = ensure_clone(str(source), tmp_path / "run-clones")
    worktree = create_worktree(clone, base_branch="main", branch=branch, path=tmp_path / branch)
    (worktree.path / "app.py").write_text(content)
    commit_step(worktree, message="fix app", run_id="r1", step="code-1", ticket_ref="t")
    return worktree


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Store(f"sqlite:///{tmp_path / 'factory.db'}") as opened:
        yield opened


def make_forge(store: Store, tmp_path: Path, repo_path: Path) -> LocalForge:
    return LocalForge(
        store.pull_requests,
        repo_name="demo",
        repo_path=repo_path,
        clone_cache=tmp_path / "forge-clones",
        identity=BotIdentity(name="Bot", email="bot@factory.test"),
    )


def request(branch: str, *, draft: bool = False) -> PullRequestRequest:
    return PullRequestRequest(
        head_branch=branch,
        base_branch="main",
        title="Fix app",
        body="plan / tests / review",
        draft=draft,
        run_id="r1",
    )


def test_push_then_open_records_pr_and_never_duplicates(store: Store, tmp_path: Path) -> None:
    user = tmp_path / "user"
    make_user_repo(user)
    forge = make_forge(store, tmp_path, user)
    worktree = run_branch(tmp_path, user, "factory/1-fix", "print('fixed')\n")
    sha = forge.push_branch(worktree.path, worktree.branch)
    assert git.Repo(user).commit("factory/1-fix").hexsha == sha
    first = forge.open_pull_request(request(worktree.branch, draft=True))
    again = forge.open_pull_request(request(worktree.branch))
    assert (first.number, first.status, first.draft, first.head_sha) == (1, "draft", True, sha)
    assert again == first
    assert len(store.pull_requests.all(repo="demo")) == 1
    assert forge.find_pull_request("factory/1-fix") == first
    assert forge.find_pull_request("factory/other") is None


def test_open_refuses_a_branch_that_was_never_pushed(store: Store, tmp_path: Path) -> None:
    user = tmp_path / "user"
    make_user_repo(user)
    forge = make_forge(store, tmp_path, user)
    with pytest.raises(ForgeError, match="was not pushed.*push it first"):
        forge.open_pull_request(request("factory/ghost"))


def test_merge_is_a_real_git_merge_into_a_bare_origin(store: Store, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git.Repo.init(origin, bare=True, initial_branch="main")
    user = tmp_path / "user"
    repo = make_user_repo(user)
    repo.create_remote("origin", str(origin)).push("main:main")
    forge = make_forge(store, tmp_path, user)
    assert forge.target == origin.resolve()
    worktree = run_branch(tmp_path, origin, "factory/2-fix", "print('fixed')\n")
    forge.push_branch(worktree.path, worktree.branch)
    pr = forge.open_pull_request(request(worktree.branch))
    merged_sha = forge.merge(pr.number)
    bare = git.Repo(origin)
    merge_commit = bare.commit("main")
    assert merge_commit.hexsha == merged_sha
    assert [parent.hexsha for parent in merge_commit.parents][1] == pr.head_sha
    assert merge_commit.author.email == "bot@factory.test"
    assert bare.git.show("main:app.py") == "print('fixed')"
    assert forge.get_pull_request(pr.number).status == "merged"
    assert forge.merge(pr.number) == merged_sha  # merging again changes nothing
    assert "factory/2-fix" not in [head.name for head in repo.heads]  # user's repo untouched


def test_merge_fast_forwards_a_clean_checked_out_base(store: Store, tmp_path: Path) -> None:
    user = tmp_path / "user"
    repo = make_user_repo(user)
    (user / "notes.txt").write_text("untracked survives\n")
    forge = make_forge(store, tmp_path, user)
    worktree = run_branch(tmp_path, user, "factory/3-fix", "print('fixed')\n")
    forge.push_branch(worktree.path, worktree.branch)
    pr = forge.open_pull_request(request(worktree.branch))
    sha = forge.merge(pr.number)
    assert repo.head.commit.hexsha == sha
    assert (user / "app.py").read_text() == "print('fixed')\n"
    assert (user / "notes.txt").read_text() == "untracked survives\n"
    assert not [ref for ref in repo.refs if "merging" in ref.path]


def test_merge_refuses_to_overwrite_uncommitted_work(store: Store, tmp_path: Path) -> None:
    user = tmp_path / "user"
    repo = make_user_repo(user)
    forge = make_forge(store, tmp_path, user)
    worktree = run_branch(tmp_path, user, "factory/4-fix", "print('fixed')\n")
    forge.push_branch(worktree.path, worktree.branch)
    pr = forge.open_pull_request(request(worktree.branch))
    (user / "app.py").write_text("my own edit\n")
    before = repo.head.commit.hexsha
    with pytest.raises(ForgeError, match="commit or stash"):
        forge.merge(pr.number)
    assert (user / "app.py").read_text() == "my own edit\n"
    assert repo.head.commit.hexsha == before
    assert forge.get_pull_request(pr.number).status == "open"


def test_conflicting_branch_raises_merge_conflict_and_leaves_base(
    store: Store, tmp_path: Path
) -> None:
    user = tmp_path / "user"
    repo = make_user_repo(user)
    forge = make_forge(store, tmp_path, user)
    worktree = run_branch(tmp_path, user, "factory/5-fix", "print('fixed')\n")
    forge.push_branch(worktree.path, worktree.branch)
    pr = forge.open_pull_request(request(worktree.branch))
    (user / "app.py").write_text("print('someone else')\n")
    repo.index.add(["app.py"])
    actor = git.Actor("User", "user@example.com")
    base = repo.index.commit("competing change", author=actor, committer=actor).hexsha
    with pytest.raises(MergeConflict, match="conflicts with its base in app.py"):
        forge.merge(pr.number)
    assert repo.head.commit.hexsha == base
    assert repo.git.status("--porcelain") == ""


def test_comment_reviewers_body_close_and_unknown_number(store: Store, tmp_path: Path) -> None:
    user = tmp_path / "user"
    make_user_repo(user)
    forge = make_forge(store, tmp_path, user)
    worktree = run_branch(tmp_path, user, "factory/6-fix", "x\n")
    forge.push_branch(worktree.path, worktree.branch)
    pr = forge.open_pull_request(request(worktree.branch))
    assert forge.update_body(pr.number, "new body").body == "new body"
    forge.comment(pr.number, "tests green")
    forge.request_reviewers(pr.number, ["alice", "org/team"])
    body = forge.get_pull_request(pr.number).body
    assert body.startswith("new body") and "tests green" in body and "@alice, @org/team" in body
    assert forge.close(pr.number).status == "closed"
    with pytest.raises(ForgeError, match="is closed"):
        forge.merge(pr.number)
    with pytest.raises(PullRequestNotFound, match="factory pr list"):
        forge.get_pull_request(99)


def test_push_target_is_the_repo_when_origin_is_not_a_local_bare_repo(tmp_path: Path) -> None:
    user = tmp_path / "user"
    repo = make_user_repo(user)
    assert push_target(user) == user
    repo.create_remote("origin", "https://example.invalid/x.git")
    assert push_target(user) == user
