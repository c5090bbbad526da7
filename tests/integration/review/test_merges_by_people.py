"""A factory change a person merges is a factory deployment, counted once with its lead times:
merged with `factory pr merge` on the local forge, or found only in git history through the
`Factory-Run` trailer on the base branch's first-parent line (real git, real SQLite)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.config import load_config
from factory.forges import LocalForge, PullRequestRequest
from factory.git import commit_step, create_worktree, ensure_clone
from factory.review.build import ReviewOptions, build_review
from factory.review.schema import OperationalReview
from factory.store import Store
from tests.support.review_history import (
    NOW,
    GitRepo,
    History,
    config_for,
    days_ago,
)

pytestmark = pytest.mark.integration

RUN_ID = "r-person0001"
TICKET = "notes/greeting.md"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _repo_on_master(path: Path, when: datetime) -> None:
    """A user's repository whose default branch is `master`, with one human commit."""
    path.mkdir()
    _git(path, "init", "-q", "-b", "master")
    (path / "app.py").write_text("print('hello')\n")
    _git(path, "add", "app.py")
    env_date = when.isoformat()
    subprocess.run(
        ["git", "-C", str(path), "commit", "-q", "-m", "initial"],
        check=True,
        env={
            "GIT_AUTHOR_NAME": "Maintainer",
            "GIT_AUTHOR_EMAIL": "m@example.com",
            "GIT_COMMITTER_NAME": "Maintainer",
            "GIT_COMMITTER_EMAIL": "m@example.com",
            "GIT_AUTHOR_DATE": env_date,
            "GIT_COMMITTER_DATE": env_date,
            "PATH": "/usr/bin:/bin",
        },
    )


def _agent_and_human(result: OperationalReview, repo: str) -> tuple[int, int]:
    entry = next(entry for entry in result.dora if entry.repo == repo)
    assert entry.human is not None
    return entry.agent.deployments, entry.human.deployments


def test_a_pr_merged_by_a_person_on_the_local_forge_counts_once_with_its_lead_times(
    tmp_path: Path,
) -> None:
    started = datetime.now(UTC)
    user = tmp_path / "user"
    _repo_on_master(user, started - timedelta(hours=30))
    data = tmp_path / "data"
    config_path = tmp_path / "factory.toml"
    # No base_branch: detected (master), as `factory init` leaves it for a new user.
    config_path.write_text(
        f'[factory]\ndata_dir = "{data}"\n\n[repos.demo]\npath = "{user}"\n'
        'test_command = "true"\nautonomy = { min = "L1", max = "L1" }\n'
    )
    config = load_config(config_path)
    branch = "factory/greeting-say-goodbye"
    with Store.open(config) as store:
        history = History(store)
        history.ticket(TICKET, opened=started - timedelta(hours=5))
        history.run(
            "demo",
            TICKET,
            at=started - timedelta(hours=4, minutes=30),
            status="pr_open",
            level="L1",
            run_id=RUN_ID,
            steps=[
                (started - timedelta(hours=4), "git.commit", "system", {"sha": "c0de"}),
                (started - timedelta(hours=3), "pr.opened", "system", {"number": 1}),
            ],
        )
        clone = ensure_clone(str(user), tmp_path / "run-clones")
        worktree = create_worktree(
            clone, base_branch="master", branch=branch, path=tmp_path / "worktree"
        )
        (worktree.path / "app.py").write_text("print('hello')\nprint('goodbye')\n")
        commit_step(
            worktree, message="Say goodbye", run_id=RUN_ID, step="code-1", ticket_ref=TICKET
        )
        forge = LocalForge(
            store.pull_requests, repo_name="demo", repo_path=user, clone_cache=data / "clones"
        )
        forge.push_branch(worktree.path, branch)
        forge.open_pull_request(
            PullRequestRequest(
                head_branch=branch, base_branch="master", title="Say goodbye", run_id=RUN_ID
            )
        )

    runner = CliRunner()
    merged = runner.invoke(app, ["--config", str(config_path), "pr", "merge", "1"])
    assert merged.exit_code == 0, merged.output
    again = runner.invoke(app, ["--config", str(config_path), "pr", "merge", "1"])
    assert again.exit_code == 0, again.output  # merging a merged PR returns its merge commit

    with Store.open(config) as store:
        assert [e.kind for e in store.events.read(RUN_ID)].count("pr.merged") == 1
        result = build_review(config, store, ReviewOptions(now=datetime.now(UTC)))

    # The merge commit on master carries the run's commits: the record and git agree on one
    # deployment, the factory's; the maintainer's first commit is the one human deployment.
    assert _agent_and_human(result, "demo") == (1, 1)
    dora = result.factory_dora
    assert dora.deployments == 1
    elapsed = (datetime.now(UTC) - started).total_seconds() / 3600
    lead_ticket, lead_commit = dora.lead_time_ticket.value, dora.lead_time_commit.value
    assert lead_ticket is not None and 5.0 <= lead_ticket <= 5.0 + elapsed + 0.001
    assert lead_commit is not None and 4.0 <= lead_commit <= 4.0 + elapsed + 0.001
    assert result.factory.delivery.prs_merged.value == 1
    assert result.factory.vigilance.unreviewed_merge_share.value == 0.0  # a person merged it


def test_a_factory_merge_found_only_in_git_history_counts_once(tmp_path: Path) -> None:
    """Merged by hand (`git merge`, or GitHub before anyone asked): no command recorded it,
    the Factory-Run trailer on the first-parent line says it is the factory's change."""
    git = GitRepo(tmp_path / "svc")
    git.commit("base.txt", days_ago(40))
    known = git.factory_merge("factory/known", "r-known001", days_ago(6, 3), days_ago(6))
    git.commit("human.txt", days_ago(4), message="human change")
    git.factory_merge("factory/other", "r-elsewhere", days_ago(3, 2), days_ago(3))
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    history = History(store)
    history.ticket("T-1", opened=days_ago(6, 10))
    history.run(
        "svc",
        "T-1",
        at=days_ago(6, 9),
        status="pr_open",  # nobody told the factory: the record still says the PR is open
        level="L1",
        run_id="r-known001",
        steps=[(days_ago(6, 8), "git.commit", "system", {"sha": "abc"})],
    )

    result = build_review(config_for(tmp_path, {"svc": git.path}), store, ReviewOptions(now=NOW))

    entry = next(entry for entry in result.dora if entry.repo == "svc")
    assert entry.human is not None
    # The known run and a run this store never saw (another factory's) are the factory's;
    # the human commit alone is human (the base commit is older than both periods).
    assert (entry.agent.deployments, entry.human.deployments) == (2, 1)
    assert entry.agent.lead_time_ticket.value == 10.0  # only the known run has a ticket
    # Commit -> merge: 8 h for the known run (its first commit event), 2 h for the other.
    assert entry.agent.lead_time_commit.value == 5.0
    assert known  # the merge commit exists on the first-parent line
    assert result.factory.delivery.prs_merged.value == 2


def test_first_try_reads_a_run_exactly_as_the_run_judged_its_tests(tmp_path: Path) -> None:
    """One failing test that already failed on the base: the run said "no new failures"
    (and its gate let it through); the review's first-try figure counts it the same way,
    from the recorded verdict and, for events recorded before it, from the counts."""
    store = Store(f"sqlite:///{tmp_path / 'factory.db'}")
    history = History(store)
    as_on_base = {
        "exit_code": 1,
        "failed": 1,
        "errors": 0,
        "structured": True,
        "newly_failing": [],
        "still_failing": ["tests::test_slow"],
    }
    broke = {**as_on_base, "failed": 2, "newly_failing": ["tests::test_new"]}
    for run_id, report in (
        ("r-recorded1", {**as_on_base, "green": True}),
        ("r-older0001", as_on_base),
        ("r-broke0001", broke),
    ):
        history.run(
            "svc",
            f"T-{run_id}",
            at=days_ago(3),
            status="pr_open",
            run_id=run_id,
            steps=[(days_ago(3), "tests.report", "system", report)],
        )
    result = build_review(config_for(tmp_path, {"svc": None}), store, ReviewOptions(now=NOW))
    assert result.factory.reliability.first_try_green_rate.value == round(2 / 3, 4)
