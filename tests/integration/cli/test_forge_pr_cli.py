"""`factory pr` as a person reviewing the local forge: real repos, real store, real CLI."""

import json
from pathlib import Path

import git
import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.forges import LocalForge, PullRequestRequest
from factory.git import commit_step, create_worktree, ensure_clone
from factory.store import Store
from tests.support.local_repo import user_repo_with_config

pytestmark = pytest.mark.integration


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, git.Repo]:
    user, data, config, repo = user_repo_with_config(tmp_path)
    with Store(f"sqlite:///{data / 'factory.db'}") as store:
        forge = LocalForge(
            store.pull_requests, repo_name="demo", repo_path=user, clone_cache=data / "clones"
        )
        for number, draft in ((1, True), (2, False)):
            clone = ensure_clone(str(user), tmp_path / "run-clones")
            branch = f"factory/{number}-change"
            worktree = create_worktree(
                clone, base_branch="main", branch=branch, path=tmp_path / f"wt{number}"
            )
            (worktree.path / f"file{number}.py").write_text(f"n = {number}\n")
            commit_step(
                worktree, message="change", run_id=f"r{number}", step="code-1", ticket_ref="t"
            )
            forge.push_branch(worktree.path, branch)
            forge.open_pull_request(
                PullRequestRequest(
                    head_branch=branch,
                    base_branch="main",
                    title=f"Change {number}",
                    body=f"## Plan\nadd file{number}",
                    draft=draft,
                    run_id=f"r{number}",
                )
            )
    return config, user, repo


def invoke(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["--config", str(config), "pr", *args], env={"FACTORY_CONFIG": ""}
    )
    return result.exit_code, result.output


def test_list_and_show_render_the_pull_requests(setup: tuple[Path, Path, git.Repo]) -> None:
    config, _, _ = setup
    code, out = invoke(config, "list", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [(row["number"], row["status"]) for row in listed] == [(1, "draft"), (2, "open")]
    code, out = invoke(config, "show", "1", "--json", "--diff")
    shown = json.loads(out)
    assert code == 0
    assert shown["stats"] == {"files": ["file1.py"], "insertions": 1, "deletions": 0}
    assert "+n = 1" in shown["diff"]
    code, out = invoke(config, "show", "2")
    assert code == 0 and "Change 2" in out and "1 file changed, +1 -0" in out
    assert "next: `factory pr show 2 --diff`, `factory pr merge 2`" in out
    code, out = invoke(config, "show", "2", "--diff")
    assert code == 0 and "+n = 2" in out
    assert "--diff`" not in out  # the diff is on the screen: it does not suggest itself
    assert "next: `factory pr merge 2` or `factory pr close 2`" in out


def test_merge_refuses_a_draft_until_ready_then_merges_for_real(
    setup: tuple[Path, Path, git.Repo],
) -> None:
    config, user, repo = setup
    code, out = invoke(config, "merge", "1")
    assert code == 1 and "--ready" in out
    code, out = invoke(config, "merge", "1", "--ready")
    assert code == 0, out
    assert "merged #1 into main" in out
    assert (user / "file1.py").read_text() == "n = 1\n"
    assert len(repo.head.commit.parents) == 2
    code, out = invoke(config, "list", "--status", "merged", "--json")
    assert [row["number"] for row in json.loads(out)] == [1]


def test_close_keeps_the_comment_and_the_branch(setup: tuple[Path, Path, git.Repo]) -> None:
    config, _, repo = setup
    code, out = invoke(config, "close", "2", "--comment", "not needed")
    assert code == 0 and "closed #2" in out
    code, out = invoke(config, "show", "2", "--json")
    shown = json.loads(out)
    assert shown["status"] == "closed" and "not needed" in shown["body"]
    assert "factory/2-change" in [head.name for head in repo.heads]


def test_bad_input_exits_2_with_a_clear_message(setup: tuple[Path, Path, git.Repo]) -> None:
    config, _, _ = setup
    code, out = invoke(config, "show", "42")
    assert code == 2 and "no pull request #42" in out
    code, out = invoke(config, "list", "--status", "weird")
    assert code == 2 and "unknown status 'weird'" in out
    code, out = invoke(config, "merge", "1", "--repo", "nope")
    assert code == 2 and "unknown repository 'nope'" in out


def test_a_merged_pull_request_still_shows_its_change(setup: tuple[Path, Path, git.Repo]) -> None:
    config, user, repo = setup
    fork_point = repo.commit("main").hexsha
    code, out = invoke(config, "merge", "1", "--ready")
    assert code == 0, out

    code, out = invoke(config, "show", "1", "--json", "--diff")

    assert code == 0, out
    shown = json.loads(out)
    assert shown["status"] == "merged"
    assert shown["stats"] == {"files": ["file1.py"], "insertions": 1, "deletions": 0}
    assert "+n = 1" in shown["diff"]
    code, out = invoke(config, "show", "1")
    assert "1 file changed, +1 -0" in out
    with Store(f"sqlite:///{config.parent / 'data' / 'factory.db'}") as store:
        row = store.pull_requests.get("demo", 1)
        assert row is not None and row.base_sha == fork_point


def test_comments_and_reviews_are_stored_as_github_keeps_them_and_bad_ones_refused(
    setup: tuple[Path, Path, git.Repo],
) -> None:
    config, _, _ = setup
    code, out = invoke(config, "comment", "2", "Call it m.", "--file", "file2.py", "--line", "1")
    assert code == 0, out
    code, out = invoke(config, "review", "2", "--request-changes", "--body", "Rename.", "--json")
    assert code == 0, out
    review = json.loads(out)
    assert (review["id"], review["review_state"], review["author_association"]) == (
        "review:2",
        "CHANGES_REQUESTED",
        "OWNER",
    )
    code, out = invoke(config, "show", "2", "--json")
    (inline, _) = json.loads(out)["feedback"]
    assert inline["id"] == "review_comment:1" and inline["path"] == "file2.py"
    assert inline["diff_hunk"].splitlines()[-1] == "+n = 2"
    for args, said in [
        (["comment", "2", "x", "--file", "nope.py", "--line", "1"], "neither changed by #2"),
        (["comment", "2", "x", "--file", "file2.py", "--line", "9"], "has 1 lines"),
        (["comment", "2", "x", "--line", "3"], "--line needs --file"),
        (["comment", "2", "x", "--file", "file2.py"], "--file needs --line"),
        (["comment", "2", "x", "--file", "file2.py", "--line", "0"], "--line"),
        (["comment", "2", "   "], "empty"),
        (["review", "2", "--approve", "--request-changes"], "exactly one"),
        (["review", "2", "--request-changes"], "needs --body"),
        (["comment", "9", "x"], "no pull request #9"),
    ]:
        code, out = invoke(config, *args)
        assert code == 2 and said in out, (args, out)
    code, out = invoke(config, "comment", "2", "x", "--file", "nope.py", "--line", "1", "--json")
    assert code == 2 and json.loads(out)["error"]["code"] == "bad_input"
