"""A factory pull request whose base moved, and whose world changed under it: real sandbox,
real git, the local forge and the fake GitHub; scripted model turns (a replayed cassette that
fails loudly on any turn it does not hold).

- a base moved without conflict: rebased, no model call, the tests and the gate run again;
- a person's commit on the branch: the base is merged in, the commit stays in the history;
- a real conflict: the coder gets a round with the conflicting hunks, the tests run again;
- a PR closed by a person, a ticket closed, a PR merged by hand: each run ends with the true
  status, and the next sweep leaves the ticket alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from factory.config import FactoryConfig, load_config
from factory.demo.run_demo import REPO_NAME, TICKET, prepare_demo
from factory.forges.pull_outcomes import run_pull_request
from factory.pulls.maintain import StepOutcome, maintain_pull
from factory.run.setup import make_forge
from factory.store import Store
from factory.tickets.markdown import MarkdownTicketSource
from tests.e2e import script
from tests.e2e.conftest import Workspace
from tests.support.fake_github import NAME, OWNER, FakeGitHub, serve_fake_github

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]

PERSON = ["-c", "user.name=Pat Person", "-c", "user.email=pat@example.com"]


def _kinds(store: Store, run_id: str) -> list[str]:
    return [event.kind for event in store.events.read(run_id)]


def _payloads(store: Store, run_id: str, kind: str) -> list[dict[str, object]]:
    return [json.loads(e.payload) for e in store.events.read(run_id) if e.kind == kind]


def _pass(config: FactoryConfig, store: Store, run_id: str, step: str) -> StepOutcome | None:
    """The maintenance pass over the run's pull request (every step, in order, as a sweep makes
    it); what `step` did, or None when it had nothing to do."""
    number = run_pull_request(store, run_id)
    assert number is not None, f"{run_id} opened no pull request"
    passed = maintain_pull(config, store, REPO_NAME, number, run_id=run_id)
    errors = [action for action in passed.actions if action.action == "error"]
    assert not errors, errors
    return next((action for action in passed.actions if action.step == step), None)


def _commit_as_person(ws: Workspace, path: str, text: str, message: str) -> str:
    (ws.repo / path).write_text(text)
    ws.git("add", path)
    ws.git(*PERSON, "commit", "-q", "-m", message)
    return ws.git("rev-parse", "HEAD").strip()


def _pr_open_run(ws: Workspace, tmp_path: Path, extra: list[dict[str, Any]] | None = None) -> str:
    """The demo ticket run at L1 to an open pull request; returns the run id."""
    cassette = script.write_cassette(tmp_path / "c.jsonl", [*script.demo_replies(), *(extra or [])])
    summary = ws.run(cassette)
    assert summary.status.value == "pr_open", summary.state.error
    return summary.run_id


def test_a_base_moved_without_conflict_is_rebased_with_no_model_call_and_tested_again(
    workspace: Workspace, tmp_path: Path
) -> None:
    run_id = _pr_open_run(workspace, tmp_path)
    config = workspace.config()
    with workspace.store() as store:
        branch = store.runs.get(run_id).branch
        assert branch is not None
        head_before = workspace.git("rev-parse", branch).strip()
        calls_before = _kinds(store, run_id).count("model.call")
        reports_before = _kinds(store, run_id).count("tests.report")
        events_before = len(store.events.read(run_id))
        moved = _commit_as_person(workspace, "CHANGES.md", "- numerals\n", "main moves on")

        outcome = _pass(config, store, run_id, "base_update")

        assert outcome is not None and outcome.action == "rebased", outcome
        kinds = _kinds(store, run_id)
        assert kinds.count("model.call") == calls_before  # no agent for a clean rebase
        assert kinds.count("tests.report") == reports_before + 1  # the suite ran again
        rerun = [
            json.loads(e.payload)["node"]
            for e in store.events.read(run_id)[events_before:]
            if e.kind == "node.started"
        ]
        assert rerun == ["test", "gate", "deliver"]  # the reviewer's verdict stands
        (updated,) = _payloads(store, run_id, "pull.base_updated")
        assert updated["method"] == "rebase" and updated["base_sha"] == moved
        assert updated["head_before"] == head_before
        head_after = workspace.git("rev-parse", branch).strip()
        assert updated["head_after"] == head_after != head_before
        assert _kinds(store, run_id)[events_before:].count("gate.decision") == 1
        assert store.runs.get(run_id).status == "pr_open"
    # The factory's own commits were replayed on the new base: main is in the branch.
    workspace.git("merge-base", "--is-ancestor", moved, branch)
    authors = workspace.git("log", "--format=%ae", f"{moved}..{branch}").split()
    assert authors and set(authors) == {config.git.email}

    # Up to date now: the next pass does nothing.
    with workspace.store() as store:
        assert _pass(config, store, run_id, "base_update") is None


def test_a_persons_commit_on_the_branch_is_never_force_pushed_over(
    workspace: Workspace, tmp_path: Path
) -> None:
    run_id = _pr_open_run(workspace, tmp_path)
    config = workspace.config()
    with workspace.store() as store:
        branch = store.runs.get(run_id).branch
        assert branch is not None
    workspace.git("checkout", "-q", branch)
    theirs = _commit_as_person(workspace, "NOTES.md", "checked by Pat\n", "a person's note")
    workspace.git("checkout", "-q", "main")
    moved = _commit_as_person(workspace, "CHANGES.md", "- numerals\n", "main moves on")

    with workspace.store() as store:
        outcome = _pass(config, store, run_id, "base_update")
        assert outcome is not None and outcome.action == "base_merged", outcome
        (updated,) = _payloads(store, run_id, "pull.base_updated")
        assert updated["method"] == "merge" and updated["head_before"] == theirs
    # The person's commit is still there, under the merge of main; nothing was rewritten.
    workspace.git("merge-base", "--is-ancestor", theirs, branch)
    workspace.git("merge-base", "--is-ancestor", moved, branch)
    parents = workspace.git("rev-list", "--parents", "-n", "1", branch).split()[1:]
    assert parents == [theirs, moved]
    reflog = workspace.git("reflog", "show", "--format=%gs", branch)
    assert "forced-update" not in reflog


FIXED_ROMAN = (
    (Path(__file__).parents[2] / "factory/demo/sample/numerals/roman.py")
    .read_text()
    .replace(
        script.right_fix_edit()["old_string"],
        script.right_fix_edit()["new_string"],
    )
)


def _resolve_conflict() -> list[dict[str, Any]]:
    return [
        script.reply(
            "Keeping the subtractive reading; main's note on the additive loop goes with it.",
            script.call(
                "create_file", path="numerals/roman.py", content=FIXED_ROMAN, overwrite=True
            ),
        ),
        script.reply(
            "Done.",
            script.call(
                "submit", summary="Resolved the conflict with main.", files=["numerals/roman.py"]
            ),
        ),
    ]


def test_a_real_conflict_is_resolved_by_the_coder_and_the_tests_run_again(
    workspace: Workspace, tmp_path: Path
) -> None:
    run_id = _pr_open_run(workspace, tmp_path, [*_resolve_conflict(), *script.reviewer()])
    config = workspace.config()
    roman = workspace.repo / "numerals/roman.py"
    _commit_as_person(
        workspace,
        "numerals/roman.py",
        roman.read_text().replace(
            "        total += _VALUES[ch]\n", "        total += _VALUES[ch]  # every symbol adds\n"
        ),
        "main annotates the loop",
    )
    with workspace.store() as store:
        branch = store.runs.get(run_id).branch
        assert branch is not None
        reports_before = _kinds(store, run_id).count("tests.report")

        outcome = _pass(config, store, run_id, "base_update")

        assert outcome is not None and outcome.action == "conflict", outcome
        (conflict,) = _payloads(store, run_id, "pull.conflict")
        assert conflict["files"] == ["numerals/roman.py"]
        requested = _payloads(store, run_id, "round.requested")
        assert requested and requested[-1]["kind"] == "conflict"
        assert _kinds(store, run_id).count("tests.report") > reports_before
        assert store.runs.get(run_id).status == "pr_open"
    shown = workspace.git("show", f"{branch}:numerals/roman.py")
    assert "<<<<<<<" not in shown and "largest_so_far" in shown
    workspace.git("merge-base", "--is-ancestor", "main", branch)


# --- reconciliation, on the fake GitHub ---------------------------------------------------

GITHUB_CONFIG = """\
[factory]
data_dir = ".factory"

[repos.numerals]
github = "{owner}/{name}"
base_branch = "main"
test_command = "python3 -m pytest -q"
autonomy = {{ min = "L1", max = "L1" }}

[pricing."demo-script"]
input = 0.0
output = 0.0

[git]
name = "numerals-bot"
email = "bot@numerals.example"
"""


@dataclass
class GitHubWorld:
    root: Path
    hub: FakeGitHub

    @property
    def config_path(self) -> Path:
        return self.root / "factory.toml"

    def env(self) -> dict[str, str]:
        env = {**os.environ, "GITHUB_TOKEN": self.hub.token, "GITHUB_API_URL": self.hub.api_url}
        env.pop("FACTORY_CONFIG", None)
        return env

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        factory = str(Path(sys.executable).parent / "factory")
        return subprocess.run(
            [factory, "--config", str(self.config_path), *args],
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=self.root,
            timeout=600,
        )

    def config(self) -> FactoryConfig:
        return load_config(self.config_path)

    def store(self) -> Store:
        return Store(f"sqlite:///{self.root / '.factory' / 'factory.db'}")


@pytest.fixture
def github_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubWorld]:
    """The numerals sample as `acme/app` on the fake GitHub; the bug ticket as issues 1-3,
    each labelled for the sweep."""
    seed = prepare_demo(tmp_path / "seed") / REPO_NAME
    ticket = MarkdownTicketSource().fetch(str(TICKET))
    with serve_fake_github(tmp_path / "github", seed) as hub:
        for number in (1, 2, 3):
            hub.add_issue(number, ticket.title, ticket.body, [*ticket.labels, "agent-ready"])
        root = tmp_path / "operator"
        root.mkdir()
        (root / "factory.toml").write_text(GITHUB_CONFIG.format(owner=OWNER, name=NAME))
        world = GitHubWorld(root=root, hub=hub)
        for key, value in world.env().items():
            if key.startswith("GITHUB_"):
                monkeypatch.setenv(key, value)
        yield world


def test_a_pr_closed_by_a_person_a_ticket_closed_and_a_pr_merged_by_hand_end_truly(
    github_world: GitHubWorld, tmp_path: Path
) -> None:
    hub = github_world.hub
    cassette = script.write_cassette(tmp_path / "c.jsonl", script.demo_replies())
    runs: dict[int, dict[str, Any]] = {}
    for number in (1, 2, 3):
        ran = github_world.cli(
            "run", f"{OWNER}/{NAME}#{number}", "--replay", str(cassette), "--json"
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr
        runs[number] = json.loads(ran.stdout)
    pulls = {number: int(run["pull_request"]["number"]) for number, run in runs.items()}

    hub.close_as_person(pulls[1])  # a person closes the first PR unmerged
    hub.close_issue_as_person(2, "pat")  # a person closes the second ticket
    hub.merge_as_person(pulls[3], "sam")  # a person merges the third PR by hand

    config = github_world.config()
    with github_world.store() as store:
        outcomes = {
            number: _pass(config, store, str(runs[number]["run_id"]), "reconcile")
            for number in (1, 2, 3)
        }
        assert {n: o.action if o else None for n, o in outcomes.items()} == {
            1: "closed",
            2: "ticket_closed",
            3: "merged",
        }
        statuses = {n: store.runs.get(str(runs[n]["run_id"])).status for n in (1, 2, 3)}
        assert statuses == {1: "closed", 2: "ticket_closed", 3: "merged"}
        reconciled = {
            n: _payloads(store, str(runs[n]["run_id"]), "pull.reconciled") for n in (1, 2, 3)
        }
        assert [r["ending"] for r in reconciled[1]] == ["closed"]
        assert [r["ending"] for r in reconciled[2]] == ["ticket_closed"]
        assert "closed by pat" in str(reconciled[2][0]["reason"])
        assert [(r["ending"], r["by"]) for r in reconciled[3]] == [("merged", "human:sam")]
        for number in (1, 2, 3):
            assert store.claims.release_run(str(runs[number]["run_id"])) == []  # none held
        # A second pass records nothing twice.
        assert _pass(config, store, str(runs[1]["run_id"]), "reconcile") is not None
        assert len(_payloads(store, str(runs[1]["run_id"]), "pull.reconciled")) == 1
    # The factory closed the withdrawn ticket's PR, saying why; the person's PRs it left as
    # they were.
    assert hub.pulls[pulls[2]]["state"] == "closed" and not hub.pulls[pulls[2]]["merged"]
    assert any(n == pulls[2] and "ticket" in text for n, text in hub.comments)

    plan = github_world.cli("sweep", "--dry-run", "--json")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    planned = json.loads(plan.stdout)
    assert planned["planned"] == [], planned
    skipped = {s["identity"]: s["reason"] for s in planned["skipped"]}
    assert skipped == {
        f"{OWNER}/{NAME}#1": "refused",
        f"{OWNER}/{NAME}#3": "delivered",
    }, planned


def test_on_github_a_persons_push_to_the_branch_survives_the_base_update(
    github_world: GitHubWorld, tmp_path: Path
) -> None:
    hub = github_world.hub
    cassette = script.write_cassette(tmp_path / "c.jsonl", script.demo_replies())
    ran = github_world.cli("run", f"{OWNER}/{NAME}#1", "--replay", str(cassette), "--json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    run = json.loads(ran.stdout)
    branch = run["branch"]
    # A person clones from GitHub, pushes a commit to the factory's branch, and moves main.
    person = tmp_path / "person"
    subprocess.run(["git", "clone", "-q", str(hub.bare), str(person)], check=True)

    def in_clone(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(person), *PERSON, *args], check=True, capture_output=True, text=True
        )
        return done.stdout.strip()

    in_clone("checkout", "-q", branch)
    (person / "NOTES.md").write_text("checked by Pat\n")
    in_clone("add", "NOTES.md")
    in_clone("commit", "-q", "-m", "a person's note")
    theirs = in_clone("rev-parse", "HEAD")
    in_clone("push", "-q", "origin", branch)
    in_clone("checkout", "-q", "main")
    (person / "CHANGES.md").write_text("- numerals\n")
    in_clone("add", "CHANGES.md")
    in_clone("commit", "-q", "-m", "main moves on")
    in_clone("push", "-q", "origin", "main")

    config = github_world.config()
    with github_world.store() as store:
        forge = make_forge(config, store, REPO_NAME, config.repo(REPO_NAME))
        pull = forge.get_pull_request(run["pull_request"]["number"])
        assert (pull.mergeable, pull.mergeable_state) == (True, "clean")
        outcome = _pass(config, store, run["run_id"], "base_update")
        assert outcome is not None and outcome.action == "base_merged", outcome
        (updated,) = _payloads(store, run["run_id"], "pull.base_updated")
        assert updated["method"] == "merge" and updated["head_before"] == theirs
        assert store.runs.get(run["run_id"]).status == "pr_open"
    head = hub.sha_of(branch)
    assert head == updated["head_after"]
    bare = ["git", "-C", str(hub.bare), "merge-base", "--is-ancestor"]
    subprocess.run([*bare, theirs, branch], check=True)  # the person's commit is kept
    subprocess.run([*bare, "main", branch], check=True)  # and main is in the branch


def test_a_change_tested_on_a_stale_base_is_not_merged_until_updated_and_tested_again(
    workspace: Workspace, tmp_path: Path
) -> None:
    """At L3 the gate would merge; the base moved while the run worked, so the merge waits
    (`merge.deferred`); the maintenance pass rebases, tests and judges again, then merges."""
    workspace.configure('autonomy = { min = "L3", max = "L3" }')
    cassette = script.write_cassette(tmp_path / "c.jsonl", script.demo_replies())
    env = {**os.environ, "FACTORY_FAILPOINTS": "after:test"}
    ticket = str(workspace.ticket)
    killed = workspace.cli("run", ticket, "--replay", str(cassette), "--json", env=env)
    assert killed.returncode != 0
    moved = _commit_as_person(workspace, "CHANGES.md", "- numerals\n", "main moves on")
    with workspace.store() as store:
        (run,) = store.runs.latest(limit=1)
        run_id = run.id
    workspace.cli("sandbox", "prune", "--json")  # the killed run's sandbox
    resumed = workspace.cli("resume", run_id, "--json")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "pr_open"
    config = workspace.config()
    with workspace.store() as store:
        (deferred,) = _payloads(store, run_id, "merge.deferred")
        assert moved[:12] in str(deferred["reason"])
        assert "merge.done" not in _kinds(store, run_id)
        assert workspace.git("rev-parse", "main").strip() == moved

        outcome = _pass(config, store, run_id, "base_update")

        assert outcome is not None and outcome.action == "rebased", outcome
        assert store.runs.get(run_id).status == "merged"
        (done,) = _payloads(store, run_id, "merge.done")
    main = workspace.git("rev-parse", "main").strip()
    assert done["sha"] == main
    workspace.git("merge-base", "--is-ancestor", moved, main)
    assert "reversed(numeral.upper())" in workspace.git("show", "main:numerals/roman.py")
