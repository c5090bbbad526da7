"""A branch brought up to date with its moved base, on real repositories: rebase, merge, the
conflicting hunks, the authors of a branch's commits, and the push that never overwrites a
person's commit."""

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import git
import pytest

from factory.config.git import BotIdentity
from factory.forges.base import ForgeError
from factory.forges.branches import (
    branch_commits,
    branch_deleted,
    branch_head,
    fresh_clone,
    others_commits,
    push_forward,
    push_rebased,
)
from factory.forges.local import LocalForge, PullRequestStore
from factory.git.rebase import (
    conflict_regions,
    contains,
    merge_base_in,
    rebase_onto,
    set_local_branch,
)
from factory.store import Store

pytestmark = pytest.mark.integration

BOT = BotIdentity(name="agent-factory", email="bot@factory.test")
PERSON = git.Actor("Pat Person", "pat@example.com")
BOT_ACTOR = git.Actor(BOT.name, BOT.email)


def _commit(repo: git.Repo, name: str, text: str, who: git.Actor, message: str) -> str:
    Path(repo.working_tree_dir or "", name).write_text(text)
    repo.index.add([name])
    return repo.index.commit(message, author=who, committer=who).hexsha


def _repo(tmp_path: Path) -> git.Repo:
    """main with app.py; branch `factory/1-fix` with one bot commit; then main moves."""
    repo = git.Repo.init(tmp_path / "user", initial_branch="main")
    _commit(repo, "app.py", "a = 1\nb = 2\nc = 3\n", PERSON, "initial")
    repo.git.checkout("-b", "factory/1-fix")
    _commit(repo, "app.py", "a = 1\nb = 20\nc = 3\n", BOT_ACTOR, "code: fix b")
    repo.git.checkout("main")
    return repo


def _forge(tmp_path: Path, repo: git.Repo, store: Store) -> LocalForge:
    return LocalForge(
        store.pull_requests,
        repo_name="demo",
        repo_path=Path(repo.working_tree_dir or ""),
        clone_cache=tmp_path / "clones",
        identity=BOT,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'factory.db'}") as opened:
        yield opened


def test_a_clean_rebase_keeps_authors_and_the_factory_commits_it(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _commit(repo, "other.py", "x = 1\n", PERSON, "base moves")
    clone = fresh_clone(_forge_for_clone(tmp_path, repo), tmp_path / "clones")
    base, head = branch_head(clone, "main"), branch_head(clone, "factory/1-fix")
    assert base is not None and head is not None
    assert not contains(clone, base, head)

    update = rebase_onto(clone, head_sha=head, base_sha=base, identity=BOT)

    assert update.clean and update.method == "rebase" and update.head_after is not None
    assert contains(clone, base, update.head_after)
    (commit,) = branch_commits(clone, base, update.head_after)
    assert (commit.author_email, commit.committer_email) == (BOT.email, BOT.email)
    assert commit.by(BOT)


def test_a_real_conflict_returns_the_hunks_and_changes_nothing(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _commit(repo, "app.py", "a = 1\nb = 200\nc = 3\n", PERSON, "base changes b too")
    clone = fresh_clone(_forge_for_clone(tmp_path, repo), tmp_path / "clones")
    base, head = branch_head(clone, "main"), branch_head(clone, "factory/1-fix")
    assert base is not None and head is not None

    rebased = rebase_onto(clone, head_sha=head, base_sha=base, identity=BOT)
    merged = merge_base_in(clone, head_sha=head, base_sha=base, base_branch="main", identity=BOT)

    for update in (rebased, merged):
        assert not update.clean and update.head_after is None
        assert update.conflicted_files == ["app.py"]
        (hunk,) = update.conflicts
        assert "<<<<<<<" in hunk.text and "b = 20" in hunk.text and "b = 200" in hunk.text
        assert hunk.line == 2
    assert branch_head(clone, "factory/1-fix") == head
    assert git.Repo(clone).git.worktree("list").count("\n") == 0  # the scratch is gone


def test_a_kept_conflict_is_a_merge_commit_with_markers_on_top_of_the_head(
    tmp_path: Path,
) -> None:
    repo = _repo(tmp_path)
    _commit(repo, "app.py", "a = 1\nb = 200\nc = 3\n", PERSON, "base changes b too")
    clone = fresh_clone(_forge_for_clone(tmp_path, repo), tmp_path / "clones")
    base, head = branch_head(clone, "main"), branch_head(clone, "factory/1-fix")
    assert base is not None and head is not None

    kept = merge_base_in(
        clone, head_sha=head, base_sha=base, base_branch="main", identity=BOT, keep_conflicts=True
    )

    assert kept.head_after is not None and kept.conflicted_files == ["app.py"]
    bare = git.Repo(clone)
    parents = bare.git.rev_list("--parents", "-n", "1", kept.head_after).split()[1:]
    assert parents == [head, base]
    assert "<<<<<<<" in bare.git.show(f"{kept.head_after}:app.py")


def test_a_persons_commit_on_the_branch_is_seen_and_a_lease_refuses_to_overwrite_it(
    tmp_path: Path, store: Store
) -> None:
    repo = _repo(tmp_path)
    forge = _forge(tmp_path, repo, store)
    clone = fresh_clone(forge, tmp_path / "clones")
    head = branch_head(clone, "factory/1-fix")
    assert head is not None
    # The factory read `head`; then a person pushes a commit to the branch.
    repo.git.checkout("factory/1-fix")
    mine = _commit(repo, "notes.txt", "mine\n", PERSON, "a person's commit")
    repo.git.checkout("main")
    _commit(repo, "other.py", "x = 1\n", PERSON, "base moves")
    fresh_clone(forge, tmp_path / "clones")
    base = branch_head(clone, "main")
    assert base is not None

    # A rebase made from the stale head, pushed with the lease on the head it read: refused.
    rebased = rebase_onto(clone, head_sha=head, base_sha=base, identity=BOT)
    assert rebased.head_after is not None
    set_local_branch(clone, "factory/1-fix", rebased.head_after)
    with pytest.raises(ForgeError):
        push_rebased(forge, clone, "factory/1-fix", expected_sha=head)
    assert repo.git.rev_parse("factory/1-fix") == mine

    # What the rule does instead: the person's commit is seen, the base is merged in.
    current = branch_head(clone, "factory/1-fix")
    assert current == mine
    others = others_commits(branch_commits(clone, base, current), BOT)
    assert [commit.author_name for commit in others] == ["Pat Person"]
    merged = merge_base_in(clone, head_sha=current, base_sha=base, base_branch="main", identity=BOT)
    assert merged.clean and merged.head_after is not None
    set_local_branch(clone, "factory/1-fix", merged.head_after)
    assert push_forward(forge, clone, "factory/1-fix") == merged.head_after
    repo.git.merge_base("--is-ancestor", mine, "factory/1-fix")  # raises when it is not
    repo.git.merge_base("--is-ancestor", "main", "factory/1-fix")


def test_a_lease_on_the_head_still_there_replaces_the_factorys_own_branch(
    tmp_path: Path, store: Store
) -> None:
    repo = _repo(tmp_path)
    forge = _forge(tmp_path, repo, store)
    _commit(repo, "other.py", "x = 1\n", PERSON, "base moves")
    clone = fresh_clone(forge, tmp_path / "clones")
    base, head = branch_head(clone, "main"), branch_head(clone, "factory/1-fix")
    assert base is not None and head is not None
    rebased = rebase_onto(clone, head_sha=head, base_sha=base, identity=BOT)
    assert rebased.head_after is not None
    set_local_branch(clone, "factory/1-fix", rebased.head_after)

    assert push_rebased(forge, clone, "factory/1-fix", expected_sha=head) == rebased.head_after
    assert repo.git.rev_parse("factory/1-fix") == rebased.head_after


def test_a_deleted_branch_is_seen_after_a_fetch(tmp_path: Path, store: Store) -> None:
    repo = _repo(tmp_path)
    forge = _forge(tmp_path, repo, store)
    clone = fresh_clone(forge, tmp_path / "clones")
    assert not branch_deleted(clone, "factory/1-fix")
    repo.git.branch("-D", "factory/1-fix")
    fresh_clone(forge, tmp_path / "clones")
    assert branch_deleted(clone, "factory/1-fix")


def _forge_for_clone(tmp_path: Path, repo: git.Repo) -> LocalForge:
    """A forge to clone from (no pull request is read, so its store is never touched)."""
    return LocalForge(
        cast(PullRequestStore, None),
        repo_name="demo",
        repo_path=Path(repo.working_tree_dir or ""),
        clone_cache=tmp_path / "clones",
        identity=BOT,
    )


def test_each_conflict_region_is_cut_out_with_its_context_and_line() -> None:
    text = "\n".join(
        [
            "a",
            "b",
            "c",
            "d",
            "<<<<<<< HEAD",
            "ours",
            "=======",
            "theirs",
            ">>>>>>> main",
            "e",
            "f",
            "<<<<<<< HEAD",
            "x",
            "=======",
            ">>>>>>> main",
        ]
    )
    first, second = conflict_regions("app.py", text)
    assert (first.path, first.line) == ("app.py", 5)
    region = ["<<<<<<< HEAD", "ours", "=======", "theirs", ">>>>>>> main"]
    assert first.text.splitlines() == ["b", "c", "d", *region, "e", "f", "<<<<<<< HEAD"]
    assert second.line == 12 and second.text.endswith(">>>>>>> main")
