"""The forge's CI on the factory's pull request, end to end: a real run (Docker sandbox, git,
SQLite, the demo's scripted model turns) opens its PR on the fake GitHub at L3, whose
branch protection requires a check; the merge waits for that check, and the maintenance
pass (`maintain_pull`) reads it, reruns a flaky one, says an infrastructure failure, or
starts a fix round for a real one. On the local forge `[repos] ci_command` is a second suite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from factory.config import FactoryConfig, load_config
from factory.demo.run_demo import CASSETTE, REPO_NAME, TICKET, prepare_demo
from factory.forges.base import Forge
from factory.pulls.maintain import PullMaintenance, maintain_pull
from factory.run.runner import RunSummary, start_run
from factory.run.setup import RunOptions, make_forge
from factory.store import Store
from factory.tickets.markdown import MarkdownTicketSource
from harness.events import decode_transcript
from tests.e2e import script
from tests.e2e.conftest import Workspace
from tests.support.fake_github import NAME, OWNER, FakeGitHub, serve_fake_github
from tests.support.fake_github_checks import FakeJob

pytestmark = [pytest.mark.e2e, pytest.mark.docker]

ISSUE = f"{OWNER}/{NAME}#1"
CONFIG = """\
[factory]
data_dir = ".factory"

[repos.numerals]
github = "{owner}/{name}"
base_branch = "main"
test_command = "python3 -m pytest -q"
autonomy = {{ min = "L3", max = "L3" }}
{extra}

[pricing."demo-script"]
input = 0.0
output = 0.0
"""

FAILED_LOG = """##[group]Run python3 -m pytest -q
tests/test_docs.py F
E   AssertionError: from_roman's docstring must name the subtractive pairs
FAILED tests/test_docs.py::test_docstring - AssertionError
1 failed in 0.03s
##[error]Process completed with exit code 1.
"""
RUNNER_LOST = "##[error]The runner has received a shutdown signal. This can happen when the \
runner service is stopped, or a manually started runner is canceled."


@dataclass
class OnGitHub:
    root: Path
    hub: FakeGitHub

    def config(self) -> FactoryConfig:
        return load_config(self.root / "factory.toml")

    def run(self, cassette: Path = CASSETTE) -> RunSummary:
        with Store.open(self.config()) as store:
            return start_run(
                self.config(), store, ISSUE, RunOptions(repo="numerals", replay=cassette)
            )

    def maintain(self, number: int) -> PullMaintenance:
        config = self.config()
        with Store.open(config) as store:
            forge: Forge = make_forge(config, store, "numerals", config.repo("numerals"))
            return maintain_pull(config, store, "numerals", number, forge=forge)

    def events(self, run_id: str) -> list[tuple[str, dict[str, Any]]]:
        with Store.open(self.config()) as store:
            return [(e.kind, json.loads(e.payload)) for e in store.events.read(run_id)]

    def coder_requests(self, run_id: str) -> list[str]:
        """What the coder's model received, call by call (its recorded transcripts)."""
        received = []
        with Store.open(self.config()) as store:
            for event in store.events.read(run_id):
                ref = json.loads(event.payload).get("transcript_ref")
                if event.kind != "model.call" or not ref:
                    continue
                record = decode_transcript(store.blobs.get(ref))
                if record.get("role") == "coder":
                    received.append(json.dumps(record["request"]["messages"]))
        return received

    def status(self, run_id: str) -> tuple[str, str | None]:
        with Store.open(self.config()) as store:
            run = store.runs.get(run_id)
            return run.status, run.outcome


@pytest.fixture
def on_github(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[OnGitHub]:
    seed = prepare_demo(tmp_path / "seed") / REPO_NAME
    ticket = MarkdownTicketSource().fetch(str(TICKET))
    with serve_fake_github(tmp_path / "github", seed) as hub:
        hub.add_issue(1, ticket.title, ticket.body, list(ticket.labels))
        hub.checks.protect("main", ["test"])
        monkeypatch.setenv("GITHUB_TOKEN", hub.token)
        monkeypatch.setenv("GITHUB_API_URL", hub.api_url)
        root = tmp_path / "operator"
        root.mkdir()
        extra = getattr(request, "param", "")
        (root / "factory.toml").write_text(CONFIG.format(owner=OWNER, name=NAME, extra=extra))
        yield OnGitHub(root=root, hub=hub)


def model_calls(events: list[tuple[str, dict[str, Any]]]) -> int:
    return sum(1 for kind, _payload in events if kind == "model.call")


def opened_and_waiting(on_github: OnGitHub) -> tuple[str, int]:
    """The run at L3: the gate says merge, the required check is red, so the PR waits."""
    summary = on_github.run()
    ((number, pull),) = on_github.hub.pulls.items()
    assert pull["merged"] is False and pull["state"] == "open"
    status, outcome = on_github.status(summary.run_id)
    assert status == "pr_open" and outcome is not None
    assert outcome.startswith("waiting for checks: test failing"), outcome
    kinds = [kind for kind, _ in on_github.events(summary.run_id)]
    assert "ci.read" in kinds and "merge.done" not in kinds
    return summary.run_id, number


def test_a_flaky_required_check_is_rerun_once_with_no_agent_then_l3_merges(
    on_github: OnGitHub,
) -> None:
    hub = on_github.hub
    hub.checks.workflow = lambda _sha, attempt: [
        FakeJob("test", "failure" if attempt == 1 else "success", FAILED_LOG)
    ]
    run_id, number = opened_and_waiting(on_github)
    calls = model_calls(on_github.events(run_id))

    first = on_github.maintain(number)
    assert [(a.step, a.action) for a in first.actions] == [("ci", "rerun")]
    assert len(hub.checks.reruns) == 1
    second = on_github.maintain(number)
    assert [(a.step, a.action) for a in second.actions] == [("ci", "merged")]

    assert hub.pulls[number]["merged"] is True
    assert on_github.status(run_id)[0] == "merged"
    events = on_github.events(run_id)
    assert model_calls(events) == calls  # no agent
    assert [p for k, p in events if k == "ci.rerun"] == [
        {"sha": hub.sha_of(hub.pulls[number]["head"]), "check": "test"}
    ]
    assert not [k for k, _ in events if k.startswith("round.")]
    assert any(k == "ci.read" and p.get("flaky") == ["test"] for k, p in events)
    last_gate = [p for k, p in events if k == "gate.decision"][-1]
    verdict = next(v for v in last_gate["decision"]["verdicts"] if v["policy"] == "tests_green")
    assert verdict["reasons"] == [
        "sandbox suite: no newly failing tests",
        "forge checks green (1)",
    ]


def test_an_infrastructure_failure_starts_no_agent_and_is_said_on_the_pr_once(
    on_github: OnGitHub,
) -> None:
    hub = on_github.hub
    hub.checks.workflow = lambda _sha, _attempt: [FakeJob("test", "failure", RUNNER_LOST)]
    run_id, number = opened_and_waiting(on_github)
    calls = model_calls(on_github.events(run_id))

    first = on_github.maintain(number)
    again = on_github.maintain(number)

    assert [(a.step, a.action) for a in first.actions] == [("ci", "infrastructure")]
    assert [(a.step, a.action) for a in again.actions] == [("ci", "infrastructure")]
    events = on_github.events(run_id)
    assert model_calls(events) == calls
    assert hub.checks.reruns == []
    (said,) = [p for k, p in events if k == "ci.infrastructure"]
    assert said["check"] == "test" and "shutdown signal" in said["reason"]
    (comment,) = [text for n, text in hub.comments if n == number]
    assert "not of the change" in comment and "No agent was started" in comment
    assert hub.pulls[number]["merged"] is False
    assert on_github.status(run_id)[0] == "pr_open"


def test_pending_checks_leave_the_run_waiting_not_needing_a_human_until_they_pass(
    on_github: OnGitHub,
) -> None:
    hub = on_github.hub
    hub.checks.workflow = lambda _sha, _attempt: [FakeJob("test", None)]  # still running
    summary = on_github.run()
    ((number, pull),) = hub.pulls.items()
    status, outcome = on_github.status(summary.run_id)
    assert (status, outcome) == ("pr_open", "waiting for checks: test pending")
    assert pull["merged"] is False

    waiting = on_github.maintain(number)
    assert [(a.action, a.detail) for a in waiting.actions] == [
        ("waiting", "waiting for checks: test")
    ]
    for job in hub.checks.runs.values():
        job.conclusion = "success"  # the workflow finished
    merged = on_github.maintain(number)

    assert [a.action for a in merged.actions] == ["merged"]
    assert pull["merged"] is True and on_github.status(summary.run_id)[0] == "merged"
    assert hub.checks.reruns == []


def test_a_failing_required_check_leads_to_a_fix_then_green_and_l3_merges(
    on_github: OnGitHub, tmp_path: Path
) -> None:
    hub = on_github.hub

    def docs_check(sha: str, _attempt: int) -> list[FakeJob]:
        text = hub_file(hub, sha, "numerals/roman.py")
        fixed = "Subtractive pairs" in text
        return [FakeJob("test", "success" if fixed else "failure", "" if fixed else FAILED_LOG)]

    hub.checks.workflow = docs_check
    replies = script.demo_replies() + script.address_review() + script.reviewer()
    cassette = script.write_cassette(tmp_path / "ci-fix.jsonl", replies)
    summary = on_github.run(cassette)
    ((number, _pull),) = hub.pulls.items()
    run_id = summary.run_id
    calls = model_calls(on_github.events(run_id))

    rerun = on_github.maintain(number)  # not confirmed yet: rerun once, no agent
    assert [a.action for a in rerun.actions] == ["rerun"]
    fixed = on_github.maintain(number)  # failed again: deterministic, a fix round

    assert [a.action for a in fixed.actions] == ["fix_round"]
    events = on_github.events(run_id)
    (asked,) = [p for k, p in events if k == "round.requested"]
    assert asked["kind"] == "ci" and asked["items"] == [f"ci:{asked['signature'][:16]}:test"]
    (finished,) = [p for k, p in events if k == "round.finished"]
    assert finished["outcome"] == "merged", finished
    assert asked["head_sha"] != hub.pulls[number]["merge_commit_sha"]
    briefs = [text for text in on_github.coder_requests(run_id) if "follow-up round" in text]
    assert briefs and "from_roman's docstring must name the subtractive pairs" in briefs[0]
    assert "2026-01-01T" not in briefs[0]  # the excerpt, not GitHub's raw timestamped log
    assert model_calls(events) > calls
    assert "Subtractive pairs" in hub_file(hub, "main", "numerals/roman.py")
    assert hub.pulls[number]["merged"] is True
    assert on_github.status(run_id)[0] == "merged"


def hub_file(hub: FakeGitHub, ref: str, path: str) -> str:
    import git

    try:
        return str(git.Repo(hub.bare).git.show(f"{ref}:{path}"))
    except git.GitCommandError:
        return ""


def test_on_the_local_forge_ci_command_is_a_second_suite_whose_failure_holds_the_merge(
    workspace: Workspace,
) -> None:
    """The run's own suite is the `test` check; `ci_command` runs in the sandbox on the PR's
    head. Red, it holds the L3 merge; rerun once and red again, it is a real failure, and
    with no fix round allowed the run needs a human, said once."""
    workspace.configure(
        'autonomy = { min = "L3", max = "L3" }\n'
        'ci_command = "python3 -c \'import sys; print(\\"lint: E501 line too long\\"); '
        "sys.exit(1)'\"\n"
        "max_ci_fix_rounds = 0"
    )
    summary = workspace.run(CASSETTE)
    with workspace.store() as store:
        assert store.runs.get(summary.run_id).status == "pr_open"
        (pull,) = store.pull_requests.all("numerals")
        number = pull.number

    def maintain() -> PullMaintenance:
        config = workspace.config()
        with Store.open(config) as store:
            forge = make_forge(config, store, "numerals", config.repo("numerals"))
            return maintain_pull(config, store, "numerals", number, forge=forge)

    assert [a.action for a in maintain().actions] == ["rerun"]
    refused = maintain()
    assert [a.action for a in refused.actions] == ["needs_human"]
    assert "max_ci_fix_rounds = 0" in refused.actions[0].detail
    maintain()  # a later pass says nothing new
    with workspace.store() as store:
        run = store.runs.get(summary.run_id)
        events = [(e.kind, json.loads(e.payload)) for e in store.events.read(summary.run_id)]
        row = store.pull_requests.get("numerals", number)
        assert row is not None and row.status == "open"
    assert run.status == "needs_human" and "fix round" in (run.outcome or "")
    reads = [p for k, p in events if k == "ci.read"]
    assert {(c["name"], c["conclusion"]) for c in reads[0]["checks"]} == {
        ("test", "success"),
        ("ci", "failure"),
    }
    assert len([k for k, _ in events if k == "round.refused"]) == 1
    assert not [k for k, _ in events if k == "round.requested"]


def test_on_the_local_forge_a_red_ci_command_is_fixed_by_a_round_and_l3_merges(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.configure(
        'autonomy = { min = "L3", max = "L3" }\n'
        "ci_command = \"grep -q 'Subtractive pairs' numerals/roman.py || "
        "(echo 'docs: from_roman must name the subtractive pairs'; exit 1)\"\n"
        "flaky_reruns = 0"
    )
    replies = script.demo_replies() + script.address_review() + script.reviewer()
    summary = workspace.run(script.write_cassette(tmp_path / "ci-fix.jsonl", replies))
    with workspace.store() as store:
        assert store.runs.get(summary.run_id).status == "pr_open"
        (pull,) = store.pull_requests.all("numerals")
        number = pull.number

    config = workspace.config()
    with Store.open(config) as store:
        forge = make_forge(config, store, "numerals", config.repo("numerals"))
        fixed = maintain_pull(config, store, "numerals", number, forge=forge)

    assert [(a.step, a.action) for a in fixed.actions] == [("ci", "fix_round")]
    with workspace.store() as store:
        assert store.runs.get(summary.run_id).status == "merged"
        row = store.pull_requests.get("numerals", number)
        assert row is not None and row.status == "merged"
        events = [(e.kind, json.loads(e.payload)) for e in store.events.read(summary.run_id)]
    (asked,) = [p for k, p in events if k == "round.requested"]
    assert asked["kind"] == "ci"
    last_read = [p for k, p in events if k == "ci.read"][-1]
    assert last_read["state"] == "green"
    assert "Subtractive pairs" in workspace.git("show", "main:numerals/roman.py")
