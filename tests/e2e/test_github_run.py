"""`factory run acme/app#1` on GitHub, end to end: the issue, the git remote and the pull request
come from the fake GitHub server (REST + real `git http-backend` on 127.0.0.1); the sandbox,
git, the store and the CLI are real; the model turns are the demo's cassette.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from factory.demo.run_demo import CASSETTE, REPO_NAME, TICKET, prepare_demo
from factory.store import Store
from factory.store.models import Event
from factory.tickets.markdown import MarkdownTicketSource
from tests.e2e import script
from tests.support.fake_github import NAME, OWNER, FakeGitHub, serve_fake_github

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]

ISSUE = f"{OWNER}/{NAME}#1"

GITHUB_CONFIG = """\
[factory]
data_dir = ".factory"

[repos.numerals]
github = "{owner}/{name}"
base_branch = "main"
test_command = "python3 -m pytest -q"
autonomy = {{ min = "{level}", max = "{level}" }}

[pricing."demo-script"]  # the scripted turns cost nothing
input = 0.0
output = 0.0

[git]
name = "numerals-bot"
email = "bot@numerals.example"
"""


@dataclass
class GitHubRun:
    root: Path
    hub: FakeGitHub

    @property
    def config_path(self) -> Path:
        return self.root / "factory.toml"

    def cli(self, *args: str, failpoint: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "GITHUB_TOKEN": self.hub.token,
            "GITHUB_API_URL": self.hub.api_url,
        }
        env.pop("FACTORY_CONFIG", None)
        if failpoint:
            env["FACTORY_FAILPOINTS"] = failpoint
        factory = str(Path(sys.executable).parent / "factory")
        return subprocess.run(
            [factory, "--config", str(self.config_path), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.root,
            timeout=600,
        )

    def store(self) -> Store:
        return Store(f"sqlite:///{self.root / '.factory' / 'factory.db'}")

    def bare_git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(self.hub.bare), *args], check=True, capture_output=True, text=True
        ).stdout


@pytest.fixture
def level() -> str:
    return "L1"


@pytest.fixture
def github_run(tmp_path: Path, level: str) -> Iterator[GitHubRun]:
    """The numerals sample as `acme/app` on the fake GitHub, its bug ticket as issue #1."""
    seed = prepare_demo(tmp_path / "seed") / REPO_NAME
    ticket = MarkdownTicketSource().fetch(str(TICKET))
    with serve_fake_github(tmp_path / "github", seed) as hub:
        hub.add_issue(1, ticket.title, ticket.body, list(ticket.labels))
        root = tmp_path / "operator"
        root.mkdir()
        config = GITHUB_CONFIG.format(owner=OWNER, name=NAME, level=level)
        (root / "factory.toml").write_text(config)
        yield GitHubRun(root=root, hub=hub)


def test_a_github_ticket_with_an_open_factory_pull_request_is_not_started_again(
    github_run: GitHubRun,
) -> None:
    """The open PR is found on the forge, though this factory's store has never seen it."""
    hub = github_run.hub
    elsewhere = "factory/1-fixed-from-another-machine"
    github_run.bare_git("branch", elsewhere, "main")
    number = hub.next_number
    hub.next_number += 1
    hub.pulls[number] = {
        "title": "Fix subtractive numerals (acme/app#1)",
        "body": "Closes #1",
        "head": elsewhere,
        "base": "main",
        "draft": False,
        "state": "open",
        "merged": False,
    }

    refused = github_run.cli("run", ISSUE, "--replay", str(CASSETTE), "--json")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    said = json.loads(refused.stdout)["error"]["message"]  # --json: the error is JSON too
    assert f"already has an open pull request from the factory, #{number}" in said
    assert elsewhere in said and "--force-new" in said
    assert json.loads(github_run.cli("runs", "list", "--json").stdout) == []
    assert _pull_creations(hub) == []

    forced = github_run.cli("run", ISSUE, "--replay", str(CASSETTE), "--force-new", "--json")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    result = json.loads(forced.stdout)
    assert any(f"pull request #{number} is still open" in note for note in result["notes"])
    assert hub.pulls[number]["state"] == "open"  # nothing was closed
    assert len(_pull_creations(hub)) == 1
    assert result["branch"] != elsewhere


def test_a_second_plain_run_of_an_issue_whose_pull_request_is_open_is_refused(
    github_run: GitHubRun,
) -> None:
    """The first run's PR (opened by this factory) is still open: the second run is refused,
    naming it and its run; --force-new starts one anyway and says so. Once a person merges
    #1 on GitHub, `factory pr sync` records it and the run reads `merged`."""
    hub = github_run.hub
    first = github_run.cli("run", ISSUE, "--replay", str(CASSETTE), "--json")
    assert first.returncode == 0, first.stdout + first.stderr
    opened = json.loads(first.stdout)
    number = opened["pull_request"]["number"]

    second = github_run.cli("run", ISSUE, "--replay", str(CASSETTE), "--json")
    assert second.returncode == 2, second.stdout + second.stderr
    said = json.loads(second.stdout)["error"]["message"]
    assert f"already has an open pull request from the factory, #{number}" in said
    assert opened["run_id"] in said and opened["branch"] in said and "--force-new" in said
    assert hub.pulls[number]["state"] == "open" and len(_pull_creations(hub)) == 1

    forced = github_run.cli("run", ISSUE, "--replay", str(CASSETTE), "--force-new", "--json")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    notes = json.loads(forced.stdout)["notes"]
    assert any(f"pull request #{number} is still open" in note for note in notes), notes
    assert len(_pull_creations(hub)) == 2

    hub.merge_as_person(number, "ana")
    synced = github_run.cli("pr", "sync", "--json")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert json.loads(synced.stdout)["settled"] == [
        {
            "repo": "numerals",
            "run_id": opened["run_id"],
            "pull_request": number,
            "decision": "merged",
            "by": "ana",
        }
    ]
    runs = {
        run["id"]: run["status"]
        for run in json.loads(github_run.cli("runs", "list", "--json").stdout)
    }
    assert runs[opened["run_id"]] == "merged"


def _pull_creations(hub: FakeGitHub) -> list[tuple[str, str]]:
    return [(m, p) for m, p in hub.requests if m == "POST" and p.endswith(f"{NAME}/pulls")]


def _token_leaks(run: GitHubRun, run_id: str) -> list[str]:
    """Every event payload and blob of the run, and every file the factory wrote, that holds
    the token (blobs are compressed in the database, so they are read back one by one)."""
    token = run.hub.token
    leaks: list[str] = []
    store = run.store()
    try:
        events: list[Event] = store.events.read(run_id)
        assert events, "the run recorded no events"
        leaks += [f"event {e.kind}" for e in events if token in e.payload]
        database = run.root / ".factory" / "factory.db"
        with sqlite3.connect(database) as connection:
            refs = [row[0] for row in connection.execute("SELECT ref FROM blobs")]
        assert refs, "the run stored no blobs (transcripts), so the scan proves nothing"
        leaks += [f"blob {ref}" for ref in refs if token.encode() in store.blobs.get(ref)]
    finally:
        store.close()
    for path in (run.root / ".factory").rglob("*"):
        if path.is_file() and token.encode() in path.read_bytes():
            leaks.append(str(path))
    return leaks


def test_a_github_issue_becomes_one_pull_request_even_when_delivery_runs_twice(
    github_run: GitHubRun,
) -> None:
    hub = github_run.hub
    main_before = hub.sha_of("main")

    # Killed right after the pull request was opened, before the checkpoint could record it:
    # the resumed run delivers again and must find that pull request, not open a second.
    killed = github_run.cli(
        "run", ISSUE, "--replay", str(CASSETTE), "--json", failpoint="deliver:opened"
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(hub.pulls) == 1
    listed = json.loads(github_run.cli("runs", "list", "--json").stdout)
    (run,) = listed
    assert run["ticket"] == ISSUE and run["repo"] == "numerals"
    pruned = github_run.cli("sandbox", "prune", "--json")  # the killed run's sandbox
    assert pruned.returncode == 0, pruned.stderr

    resumed = github_run.cli("resume", run["id"], "--json")
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    result = json.loads(resumed.stdout)
    assert result["status"] == "pr_open"
    assert result["tests"].startswith("green")

    again = github_run.cli("resume", run["id"], "--json")  # finished: said, nothing appended
    assert again.returncode == 2, again.stderr + again.stdout
    assert f"{run['id']} already finished: pr_open" in json.loads(again.stdout)["error"]["message"]

    # One pull request, opened once through the API, for the run's branch.
    branch = run["branch"]
    assert branch.startswith("factory/1-")
    assert len(_pull_creations(hub)) == 1
    ((number, pull),) = hub.pulls.items()
    assert pull["head"] == branch and pull["base"] == "main" and pull["state"] == "open"
    assert pull["draft"] is False
    assert f"({ISSUE})" in pull["title"]
    assert "## Gate: pull_request at L1" in pull["body"]

    # The branch was pushed into the remote with the fix and the run's commits; main untouched.
    assert hub.sha_of(branch) is not None
    assert hub.sha_of("main") == main_before
    fixed = github_run.bare_git("show", f"{branch}:numerals/roman.py")
    assert "reversed(numeral.upper())" in fixed
    steps = github_run.bare_git(
        "log", "--format=%(trailers:key=Factory-Step,valueonly)", f"main..{branch}"
    ).split()
    assert sorted(steps) == ["code-1", "test-1"]
    authors = github_run.bare_git("log", "--format=%an <%ae> %cn <%ce>", f"main..{branch}")
    bot = "numerals-bot <bot@numerals.example>"
    assert set(authors.splitlines()) == {f"{bot} {bot}"}

    # The issue hears once what became of it, even though delivery ran again after the kill.
    ((issue, note),) = hub.comments
    assert issue == 1
    assert f"pull request #{number}" in note and "Gate: pull_request at L1" in note

    store = github_run.store()
    try:
        stored = store.runs.get(run["id"])
        assert stored.status == "pr_open"
        assert stored.outcome == f"PR #{number}"
        kinds = [event.kind for event in store.events.read(run["id"])]
        assert kinds.count("pr.opened") == 1
        assert "pr.reused" in kinds
    finally:
        store.close()

    assert _token_leaks(github_run, run["id"]) == []
    verified = github_run.cli("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.parametrize("level", ["L0"])
def test_at_l0_the_plan_goes_to_the_issue_and_nothing_is_pushed(github_run: GitHubRun) -> None:
    hub = github_run.hub
    branches_before = github_run.bare_git("branch", "--list")

    finished = github_run.cli("run", ISSUE, "--replay", str(CASSETTE), "--json")
    assert finished.returncode == 0, finished.stderr + finished.stdout
    result = json.loads(finished.stdout)
    assert result["status"] == "done"

    ((number, text),) = hub.comments
    assert number == 1
    assert "plan only" in text and "numerals/roman.py" in text
    assert hub.pulls == {} and _pull_creations(hub) == []
    assert github_run.bare_git("branch", "--list") == branches_before
    assert _token_leaks(github_run, result["run_id"]) == []


@pytest.mark.parametrize("level", ["L2"])
def test_approving_a_draft_on_github_marks_it_ready_then_merges_it(
    github_run: GitHubRun,
) -> None:
    hub = github_run.hub
    config = github_run.config_path.read_text()
    github_run.config_path.write_text(
        config.replace('max = "L2" }\n', 'max = "L2" }\nprotected_paths = ["numerals/**"]\n')
    )
    main_before = hub.sha_of("main")

    waiting = github_run.cli("run", ISSUE, "--replay", str(CASSETTE), "--json")
    assert waiting.returncode == 3, waiting.stderr + waiting.stdout
    run_id = json.loads(waiting.stdout)["run_id"]
    ((number, pull),) = hub.pulls.items()
    assert pull["draft"] is True and pull["state"] == "open"

    approved = github_run.cli("approve", run_id, "--by", "ana", "--json")

    assert approved.returncode == 0, approved.stderr + approved.stdout
    assert json.loads(approved.stdout)["status"] == "merged"
    (mutation,) = hub.graphql
    assert "markPullRequestReadyForReview" in mutation["query"]
    assert pull["draft"] is False and pull["merged"] is True
    merged_sha = pull["merge_commit_sha"]
    assert hub.sha_of("main") == merged_sha != main_before
    assert "reversed(numeral.upper())" in github_run.bare_git("show", "main:numerals/roman.py")
    store = github_run.store()
    try:
        assert store.runs.get(run_id).status == "merged"
        kinds = [event.kind for event in store.events.read(run_id)]
        assert "merge.done" in kinds and "merge.blocked" not in kinds
    finally:
        store.close()


@pytest.mark.parametrize("level", ["L3"])
def test_an_empty_change_on_github_pushes_nothing_and_tells_the_issue_once(
    github_run: GitHubRun, tmp_path: Path
) -> None:
    hub = github_run.hub
    branches_before = github_run.bare_git("branch", "--list")
    cassette = script.write_cassette(tmp_path / "no-change.jsonl", script.no_change())

    finished = github_run.cli("run", ISSUE, "--replay", str(cassette), "--json")

    assert finished.returncode == 5, finished.stderr + finished.stdout
    result = json.loads(finished.stdout)
    assert result["status"] == "no_change"
    assert hub.pulls == {} and _pull_creations(hub) == []
    assert github_run.bare_git("branch", "--list") == branches_before
    ((issue, note),) = hub.comments
    assert issue == 1
    assert "made no change" in note and "No edit applied" in note
    again = github_run.cli("resume", result["run_id"], "--json")
    assert len(hub.comments) == 1, again.stdout + again.stderr
