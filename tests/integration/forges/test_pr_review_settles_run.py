"""A person's `factory pr merge|close` ends the run that opened the pull request accordingly."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.forges import LocalForge, PullRequestRequest
from factory.git import commit_step, create_worktree, ensure_clone
from factory.store import RunStatus, Store
from tests.support.local_repo import user_repo_with_config

pytestmark = pytest.mark.integration


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    """Two runs, each with an open pull request; a third pull request no run opened."""
    user, data, config, repo = user_repo_with_config(tmp_path)
    database = data / "factory.db"
    with Store(f"sqlite:///{database}") as store:
        forge = LocalForge(
            store.pull_requests, repo_name="demo", repo_path=user, clone_cache=data / "clones"
        )
        clone = ensure_clone(str(user), tmp_path / "run-clones")
        for number, run_id in ((1, "r-merged0001"), (2, "r-closed0002"), (3, None)):
            branch = f"factory/{number}-change"
            if run_id is not None:
                store.runs.create(
                    f"t{number}", "demo", branch=branch, status=RunStatus.PR_OPEN, run_id=run_id
                )
            worktree = create_worktree(
                clone, base_branch="main", branch=branch, path=tmp_path / f"wt{number}"
            )
            (worktree.path / f"file{number}.py").write_text(f"n = {number}\n")
            commit_step(
                worktree, message="change", run_id=run_id or "x", step="code-1", ticket_ref="t"
            )
            forge.push_branch(worktree.path, branch)
            forge.open_pull_request(
                PullRequestRequest(
                    head_branch=branch,
                    base_branch="main",
                    title=f"Change {number}",
                    body="body",
                    draft=False,
                    run_id=run_id,
                )
            )
    return config, database


def invoke(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["--config", str(config), "pr", *args], env={"FACTORY_CONFIG": ""}
    )
    return result.exit_code, result.output


def test_merging_marks_the_run_merged_and_closing_marks_it_closed(
    setup: tuple[Path, Path],
) -> None:
    config, database = setup
    assert invoke(config, "merge", "1")[0] == 0
    assert invoke(config, "close", "2", "--comment", "not needed")[0] == 0
    with Store(f"sqlite:///{database}") as store:
        merged = store.runs.get("r-merged0001")
        assert merged.status == RunStatus.MERGED.value
        assert merged.outcome is not None and merged.outcome.startswith("merged as ")
        assert merged.finished_at is not None
        rejected = store.runs.get("r-closed0002")
        assert rejected.status == RunStatus.CLOSED.value
        assert rejected.outcome == "PR #2 closed: not needed"
        kinds = [event.kind for event in store.events.read("r-closed0002")]
        assert kinds == ["pr.closed"]


def test_a_pull_request_without_a_run_merges_and_touches_no_run(
    setup: tuple[Path, Path],
) -> None:
    config, database = setup
    code, out = invoke(config, "merge", "3")
    assert code == 0, out
    with Store(f"sqlite:///{database}") as store:
        statuses = {run.id: run.status for run in store.runs.latest()}
    assert statuses == {"r-merged0001": "pr_open", "r-closed0002": "pr_open"}


def test_a_checkout_run_by_path_has_its_pull_requests_under_factory_pr(tmp_path: Path) -> None:
    """`factory run --repo ./app` works on a checkout factory.toml does not name: its pull
    request is shown and merged with `factory pr` like any other, and the merge recorded."""
    user, data, config, _ = user_repo_with_config(tmp_path)
    config.write_text(f'[factory]\ndata_dir = "{data}"\n')  # no [repos]: the path was the name
    with Store(f"sqlite:///{data / 'factory.db'}") as store:
        run = store.runs.create(
            "t.md", "user", branch="factory/t-fix", status=RunStatus.PR_OPEN, repo_path=str(user)
        )
        store.events.append(run.id, "pr.opened", "system", {"number": 1})
        clone = ensure_clone(str(user), tmp_path / "run-clones")
        worktree = create_worktree(
            clone, base_branch="main", branch="factory/t-fix", path=tmp_path / "wt"
        )
        (worktree.path / "fix.py").write_text("fixed = True\n")
        commit_step(worktree, message="fix", run_id=run.id, step="code-1", ticket_ref="t.md")
        forge = LocalForge(
            store.pull_requests, repo_name="user", repo_path=user, clone_cache=data / "clones"
        )
        forge.push_branch(worktree.path, "factory/t-fix")
        forge.open_pull_request(
            PullRequestRequest(
                head_branch="factory/t-fix", base_branch="main", title="Fix", run_id=run.id
            )
        )
    code, out = invoke(config, "show", "1")
    assert code == 0 and "Fix" in out and "1 file changed" in out, out
    code, out = invoke(config, "merge", "1")
    assert code == 0, out
    assert invoke(config, "show", "1", "--repo", "nosuch")[0] == 2
    with Store(f"sqlite:///{data / 'factory.db'}") as store:
        assert store.runs.get(run.id).status == RunStatus.MERGED.value
