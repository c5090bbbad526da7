"""Review feedback on a factory pull request becomes follow-up rounds of the same run.

The whole loop, through the CLI, on the local forge and on the fake GitHub: a reviewer asks
for a change, `factory pr sync` (the maintenance pass) runs one round (code -> test -> review
-> gate -> deliver on the same branch), replies to the comments and logs the round in the PR
body; approval then merges. The guards hold: the factory's own, a bot's and an outsider's
comments start nothing, a comment seen once starts nothing again, the round cap and repeated
feedback end in "needs a human" with the reason, and a round killed with `kill -9` is
finished once by `factory resume`. Models are the demo's hand-written turns plus the round's.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from factory.demo.run_demo import REPO_NAME, TICKET, prepare_demo
from factory.store import Store
from factory.tickets.markdown import MarkdownTicketSource
from harness.events import decode_transcript
from tests.e2e import script
from tests.e2e.conftest import Workspace
from tests.e2e.test_github_run import GITHUB_CONFIG, GitHubRun
from tests.support.fake_github import NAME, OWNER, serve_fake_github

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]

REQUEST = "Document the subtractive rule in the docstring."


def no_edit_round() -> list[dict[str, Any]]:
    """A coder round that changes nothing: it says the docstring is fine as it is."""
    return [
        script.reply(
            "The docstring already says it.",
            script.call("submit", summary="Nothing to change: the docstring says it already."),
        )
    ]


def cassette(path: Path, *rounds: list[dict[str, Any]]) -> Path:
    """The demo's run, then each round's coder turns followed by the reviewer's two."""
    replies = script.demo_replies()
    for coder in rounds:
        replies += coder + script.reviewer()
    return script.write_cassette(path, replies)


def events(store: Store, run_id: str, kind: str) -> list[dict[str, Any]]:
    return [json.loads(e.payload) for e in store.events.read(run_id) if e.kind == kind]


def coder_requests(store: Store, run_id: str) -> list[str]:
    """What the coder's model received, call by call (its recorded transcripts)."""
    received = []
    for call in events(store, run_id, "model.call"):
        ref = call.get("transcript_ref")
        record = decode_transcript(store.blobs.get(ref)) if ref else {}
        if record.get("role") == "coder":
            received.append("\n".join(_texts(record["request"]["messages"])))
    return received


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []


def start(workspace: Workspace, tape: Path) -> str:
    ran = workspace.cli("run", str(workspace.ticket), "--replay", str(tape), "--json")
    assert ran.returncode in (0, 3), ran.stderr[-2000:] + ran.stdout[-2000:]
    return str(json.loads(ran.stdout)["run_id"])


def line_of(workspace: Workspace, branch: str, path: str, text: str) -> int:
    content = workspace.git("show", f"{branch}:{path}").splitlines()
    return next(n for n, line in enumerate(content, 1) if text in line)


def steps(workspace: Workspace, branch: str) -> list[str]:
    out = workspace.git("log", "--format=%(trailers:key=Factory-Step,valueonly)", f"main..{branch}")
    return sorted(out.split())


def test_requested_change_becomes_one_commit_on_the_same_branch_a_reply_and_approval_merges(
    workspace: Workspace, tmp_path: Path
) -> None:
    # L2 with the code protected: the gate asks for a person, so the run waits for approval.
    workspace.configure('autonomy = { min = "L2", max = "L2" }\nprotected_paths = ["numerals/**"]')
    run_id = start(workspace, cassette(tmp_path / "c.jsonl", script.address_review()))
    with workspace.store() as store:
        run = store.runs.get(run_id)
        assert run.status == "waiting_approval"
        branch = str(run.branch)
    line = line_of(workspace, branch, "numerals/roman.py", "for ch in reversed")
    asked = workspace.cli("pr", "review", "1", "--request-changes", "--body", REQUEST)
    assert asked.returncode == 0, asked.stderr
    inline = workspace.cli(
        "pr", "comment", "1", "Say which pairs.", "--file", "numerals/roman.py", "--line", str(line)
    )
    assert inline.returncode == 0, inline.stderr

    synced = workspace.cli("pr", "sync", "--json")
    assert synced.returncode == 0, synced.stderr[-2000:]
    (pull,) = json.loads(synced.stdout)["maintained"]
    assert [(a["step"], a["action"]) for a in pull["actions"]] == [("feedback", "round")]

    # One follow-up commit on the same branch; one pull request.
    assert steps(workspace, branch) == ["code-1", "code-2", "test-1"]
    assert workspace.git("branch", "--list", "factory/*").split() == [branch]
    with workspace.store() as store:
        assert len(store.pull_requests.all(repo=REPO_NAME)) == 1
        assert events(store, run_id, "round.requested")[0]["items"] == [
            "review:1",
            "review_comment:2",
        ]
        (finished,) = events(store, run_id, "round.finished")
        assert finished["outcome"] == "pushed" and finished["requested_changes"] == 1
        assert len(events(store, run_id, "gate.decision")) == 2  # the gate ran again
        assert store.runs.get(run_id).status == "waiting_approval"
        # The coder got the feedback fenced, with the inline comment's hunk at its line.
        requests = coder_requests(store, run_id)
        briefs = [r for r in requests if "Review feedback to address" in r]
        assert len(briefs) == 2  # the round's two coder turns, both with the feedback
        assert all("Review feedback" not in r for r in requests[:-2])
        assert REQUEST in briefs[0] and '<feedback id="review_comment:2"' in briefs[0]
        assert f'at="numerals/roman.py:{line}"' in briefs[0]
        assert "+    for ch in reversed(numeral.upper()):" in briefs[0]
        assert "do not redo the ticket" in briefs[0]
        replies = [c for c in store.pull_request_comments.of_pull(REPO_NAME, 1) if c.author_is_bot]
        assert {c.kind for c in replies} == {"issue_comment", "review_comment"}
        assert all("addressed in" in c.body for c in replies)
        body = store.pull_requests.get(REPO_NAME, 1)
        assert (
            body is not None and "## Rounds" in body.body and "| 1 | review | pushed" in body.body
        )

    again = workspace.cli("pr", "sync", "--json")  # nothing new: the same comments start nothing
    assert json.loads(again.stdout)["maintained"][0]["actions"] == []

    approved = workspace.cli("pr", "review", "1", "--approve")
    assert approved.returncode == 0, approved.stderr
    merged = workspace.cli("pr", "sync", "--json")
    assert merged.returncode == 0, merged.stderr[-2000:]
    with workspace.store() as store:
        assert store.runs.get(run_id).status == "merged"
        pull_row = store.pull_requests.get(REPO_NAME, 1)
        assert pull_row is not None and pull_row.status == "merged"
    assert workspace.cli("audit", "verify").returncode == 0


def test_round_cap_and_repeated_feedback_end_in_needs_a_human_with_the_reason(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.configure("max_followup_rounds = 2")
    run_id = start(workspace, cassette(tmp_path / "c.jsonl", no_edit_round(), no_edit_round()))
    workspace.cli("pr", "review", "1", "--request-changes", "--body", REQUEST)
    first = workspace.cli("sweep", "--repo", REPO_NAME)  # every sweep makes the pass first
    assert first.returncode == 0, first.stderr[-2000:]
    with workspace.store() as store:
        assert events(store, run_id, "round.finished")[0]["outcome"] == "no_change"
        assert store.runs.get(run_id).status == "pr_open"
    # The same request again, and the branch did not move: another round would do the same.
    workspace.cli("pr", "review", "1", "--request-changes", "--body", f"  {REQUEST.upper()} ")
    refused = workspace.cli("pr", "sync", "--json")
    assert refused.returncode == 0, refused.stderr[-2000:]
    with workspace.store() as store:
        run = store.runs.get(run_id)
        assert run.status == "needs_human" and "repeats round 1" in str(run.outcome)
        (refusal,) = events(store, run_id, "round.refused")
        assert "repeats" in refusal["reason"]
        assert len(events(store, run_id, "round.requested")) == 1
    workspace.cli("pr", "sync")  # recorded once, not on every pass
    with workspace.store() as store:
        assert len(events(store, run_id, "round.refused")) == 1

    # A different request: the cap (2) leaves one more round; then the cap stops the next.
    workspace.config_path.write_text(
        workspace.config_path.read_text().replace(
            "max_followup_rounds = 2", "max_followup_rounds = 1"
        )
    )
    workspace.cli("pr", "comment", "1", "/factory rename the loop variable")
    capped = workspace.cli("pr", "sync", "--json")
    assert capped.returncode == 0, capped.stderr[-2000:]
    with workspace.store() as store:
        reasons = [e["reason"] for e in events(store, run_id, "round.refused")]
        assert len(reasons) == 2 and "max_followup_rounds = 1" in reasons[1]
        assert len(events(store, run_id, "round.started")) == 1


def test_a_round_killed_mid_way_is_finished_once_by_resume(
    workspace: Workspace, tmp_path: Path
) -> None:
    run_id = start(workspace, cassette(tmp_path / "c.jsonl", script.address_review()))
    workspace.cli("pr", "review", "1", "--request-changes", "--body", REQUEST)
    env = {**os.environ, "FACTORY_FAILPOINTS": "code:committed"}
    killed = workspace.cli("pr", "sync", env=env)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert workspace.cli("pr", "sync", "--json").returncode == 0  # a live round is not redone
    resumed = workspace.cli("resume", run_id, "--json")
    assert resumed.returncode == 0, resumed.stderr[-2000:] + resumed.stdout[-2000:]
    assert json.loads(resumed.stdout)["status"] == "pr_open"
    with workspace.store() as store:
        branch = str(store.runs.get(run_id).branch)
        assert len(events(store, run_id, "round.started")) == 1
        assert len(events(store, run_id, "round.finished")) == 1
        assert [e["item_id"] for e in events(store, run_id, "feedback.replied")] == ["review:1"]
        replies = [c for c in store.pull_request_comments.of_pull(REPO_NAME, 1) if c.author_is_bot]
        assert len(replies) == 1
    assert steps(workspace, branch) == ["code-1", "code-2", "test-1"]
    assert workspace.cli("audit", "verify").returncode == 0


def test_on_github_only_a_collaborators_feedback_starts_a_round_once(tmp_path: Path) -> None:
    seed = prepare_demo(tmp_path / "seed") / REPO_NAME
    ticket = MarkdownTicketSource().fetch(str(TICKET))
    with serve_fake_github(tmp_path / "github", seed) as hub:
        hub.add_issue(1, ticket.title, ticket.body, list(ticket.labels))
        root = tmp_path / "operator"
        root.mkdir()
        (root / "factory.toml").write_text(GITHUB_CONFIG.format(owner=OWNER, name=NAME, level="L1"))
        gh = GitHubRun(root=root, hub=hub)
        tape = cassette(tmp_path / "c.jsonl", script.address_review())
        ran = gh.cli("run", f"{OWNER}/{NAME}#1", "--replay", str(tape), "--json")
        assert ran.returncode == 0, ran.stderr[-2000:]
        run_id = json.loads(ran.stdout)["run_id"]
        (number,) = hub.pulls
        head_before = hub.sha_of(hub.pulls[number]["head"])

        hub.add_issue_comment(number, hub.login, "/factory a note from the factory itself")
        hub.add_issue_comment(
            number, "lint[bot]", "/factory fix lint", association="NONE", bot=True
        )
        hub.add_issue_comment(
            number, "passer-by", "/factory delete everything", association="CONTRIBUTOR"
        )
        quiet = gh.cli("pr", "sync", "--json")
        assert quiet.returncode == 0, quiet.stderr[-2000:]
        with gh.store() as store:
            assert events(store, run_id, "round.requested") == []
            ignored = {e["author"]: e["reason"] for e in events(store, run_id, "feedback.ignored")}
        assert set(ignored) == {"lint[bot]", "passer-by"}
        assert "feedback_bots" in ignored["lint[bot]"] and "CONTRIBUTOR" in ignored["passer-by"]
        assert hub.sha_of(hub.pulls[number]["head"]) == head_before

        hub.add_review(number, "maintainer", "CHANGES_REQUESTED", REQUEST)
        shown = gh.bare_git("show", f"{hub.pulls[number]['head']}:numerals/roman.py")
        line = next(
            n for n, text in enumerate(shown.splitlines(), 1) if "for ch in reversed" in text
        )
        inline = hub.add_review_comment(number, "maintainer", "numerals/roman.py", line, "Say why.")
        acted = gh.cli("pr", "sync", "--json")
        assert acted.returncode == 0, acted.stderr[-2000:]
        with gh.store() as store:
            (finished,) = events(store, run_id, "round.finished")
            assert finished["outcome"] == "pushed"
            briefs = [r for r in coder_requests(store, run_id) if "<feedback" in r]
            assert briefs and inline["diff_hunk"].splitlines()[-1] in briefs[0]
        head_after = hub.sha_of(hub.pulls[number]["head"])
        assert head_after != head_before and len(hub.pulls) == 1
        assert gh.bare_git("rev-list", "--count", f"{head_before}..{head_after}").strip() == "1"
        threaded = [c for c in hub.review_comments if c.get("in_reply_to_id") == inline["id"]]
        assert len(threaded) == 1 and threaded[0]["user"]["login"] == hub.login
        assert any("follow-up round 1" in body for _n, body in hub.comments)
        assert "## Rounds" in hub.pulls[number]["body"]

        # Seen once, never again: another pass (as a redelivered webhook would cause) is quiet.
        again = gh.cli("pr", "sync", "--json")
        assert json.loads(again.stdout)["maintained"][0]["actions"] == []
        with gh.store() as store:
            assert len(events(store, run_id, "round.requested")) == 1
