"""Reconciliation on real git and a real store, no sandbox: a deleted branch on the local
forge, a ticket that lost its label on the fake GitHub. Each ends the run once, truly."""

from collections.abc import Iterator
from pathlib import Path

import git
import pytest

from factory.config import FactoryConfig
from factory.config.settings import RepoConfig
from factory.forges import GitHubForge, LocalForge, PullRequestRequest
from factory.forges.base import Forge
from factory.forges.branches import fresh_clone
from factory.git import commit_step, create_worktree
from factory.pulls.maintain import PullContext
from factory.pulls.reconcile import reconcile_pull
from factory.store import RunStatus, Store
from tests.support.fake_github import NAME, OWNER, FakeGitHub

pytestmark = pytest.mark.integration

BRANCH = "factory/3-fix"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'factory.db'}") as opened:
        yield opened


def _config(tmp_path: Path, repo: RepoConfig) -> FactoryConfig:
    return FactoryConfig.model_validate(
        {"factory": {"data_dir": str(tmp_path / "data")}, "repos": {"app": repo.model_dump()}}
    )


def _open_pull(forge: Forge, tmp_path: Path) -> int:
    clone = fresh_clone(forge, tmp_path / "data" / "clones")
    worktree = create_worktree(clone, base_branch="main", branch=BRANCH, path=tmp_path / "wt")
    (worktree.path / "app.py").write_text("print('fixed')\n")
    commit_step(worktree, message="Fix", run_id="r-1", step="code-1", ticket_ref="t")
    forge.push_branch(clone, BRANCH)
    request = PullRequestRequest(head_branch=BRANCH, base_branch="main", title="Fix")
    return forge.open_pull_request(request).number


def _context(
    config: FactoryConfig, store: Store, forge: Forge, number: int, ticket_ref: str
) -> tuple[PullContext, str]:
    """The pass's context for a pull request a fresh `pr_open` run opened, and the run's id."""
    run = store.runs.create(ticket_ref, "app", branch=BRANCH, status=RunStatus.PR_OPEN)
    store.events.append(run.id, "pr.opened", "system", {"number": number})
    context = PullContext(
        config=config,
        store=store,
        repo="app",
        repo_config=config.repo("app"),
        forge=forge,
        pull=forge.get_pull_request(number),
        run=store.runs.get(run.id),
        state=None,
    )
    return context, run.id


def test_a_branch_deleted_by_a_person_closes_the_pr_and_ends_the_run_closed(
    tmp_path: Path, store: Store
) -> None:
    user = tmp_path / "user"
    repo = git.Repo.init(user, initial_branch="main")
    (user / "app.py").write_text("print('hello')\n")
    repo.index.add(["app.py"])
    repo.index.commit("initial")
    config = _config(tmp_path, RepoConfig(path=user, test_command="true"))
    forge = LocalForge(
        store.pull_requests, repo_name="app", repo_path=user, clone_cache=tmp_path / "clones"
    )
    number = _open_pull(forge, tmp_path)
    context, run_id = _context(config, store, forge, number, "notes/bug.md")
    assert reconcile_pull(context) is None  # open, wanted: the next steps go on

    repo.git.branch("-D", BRANCH)
    outcome = reconcile_pull(context)

    assert outcome is not None and (outcome.action, outcome.stop) == ("closed", True)
    run = store.runs.get(run_id)
    assert run.status == "closed" and "was deleted" in (run.outcome or "")
    kinds = [event.kind for event in store.events.read(run.id)]
    assert kinds.count("pull.reconciled") == 1 and kinds.count("pr.closed") == 1
    assert forge.get_pull_request(number).status == "closed"
    # The track record counts it: a person threw the work away.
    assert [pull.status for pull in store.pull_requests.all("app")] == ["closed"]


def test_a_ticket_that_lost_its_label_withdraws_the_pr_with_a_comment(
    tmp_path: Path, store: Store, fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", fake_github.token)
    monkeypatch.setenv("GITHUB_API_URL", fake_github.api_url)
    fake_github.add_issue(3, "Fix", "It is broken.", ["bug", "agent-ready"])
    config = _config(tmp_path, RepoConfig(github=f"{OWNER}/{NAME}", test_command="true"))
    forge = GitHubForge(
        f"{OWNER}/{NAME}",
        fake_github.token,
        helper_dir=tmp_path / "helper",
        api_url=fake_github.api_url,
    )
    number = _open_pull(forge, tmp_path)
    ref = f"{OWNER}/{NAME}#3"
    labels = ["bug", "agent-ready"]
    store.tickets.record(ref, "Fix", "It is broken.", labels=labels, source="github")
    context, run_id = _context(config, store, forge, number, ref)
    assert reconcile_pull(context) is None

    fake_github.unlabel_issue(3, "agent-ready")
    outcome = reconcile_pull(context)

    assert outcome is not None and outcome.action == "ticket_closed"
    run = store.runs.get(run_id)
    assert run.status == "ticket_closed"
    assert "lost its 'agent-ready' label" in (run.outcome or "")
    assert fake_github.pulls[number]["state"] == "closed"
    assert any(n == number and "closing this pull request" in t for n, t in fake_github.comments)
    kinds = [event.kind for event in store.events.read(run.id)]
    assert kinds.count("pull.reconciled") == 1 and "pr.closed" not in kinds
