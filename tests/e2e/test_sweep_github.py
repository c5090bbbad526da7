"""`factory sweep` over GitHub issues by label, against the fake GitHub (REST + real git).

Issue #2 already has an open pull request on GitHub, from a person's branch the store never
heard of: the sweep finds it on the forge and leaves the ticket alone. The report is posted
on a tracking issue.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from factory.demo.run_demo import CASSETTE, REPO_NAME, TICKET, prepare_demo
from factory.store import Store
from factory.tickets.markdown import MarkdownTicketSource
from tests.support.fake_github import NAME, OWNER, FakeGitHub, serve_fake_github

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]

CONFIG = f"""\
[factory]
data_dir = ".factory"

[repos.numerals]
github = "{OWNER}/{NAME}"
base_branch = "main"
test_command = "python3 -m pytest -q"
autonomy = {{ min = "L1", max = "L1" }}
"""


@dataclass
class Operator:
    root: Path
    hub: FakeGitHub

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GITHUB_TOKEN": self.hub.token, "GITHUB_API_URL": self.hub.api_url}
        env.pop("FACTORY_CONFIG", None)
        return subprocess.run(
            [
                str(Path(sys.executable).parent / "factory"),
                "--config",
                str(self.root / "factory.toml"),
                *args,
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.root,
            timeout=600,
        )


@pytest.fixture
def operator(tmp_path: Path) -> Iterator[Operator]:
    seed = prepare_demo(tmp_path / "seed") / REPO_NAME
    ticket = MarkdownTicketSource().fetch(str(TICKET))
    with serve_fake_github(tmp_path / "github", seed) as hub:
        hub.add_issue(1, ticket.title, ticket.body, ["bug", "agent-ready"])
        hub.add_issue(2, "IX comes out as 11", "from_roman('IX') is 11.", ["agent-ready"])
        hub.add_issue(3, "Not for agents", "A person will do this one.", ["bug"])
        hub.add_issue(9, "Nightly sweep reports", "Tracking issue.", [])
        subprocess.run(["git", "-C", str(hub.bare), "branch", "fix-ix", "main"], check=True)
        hub.pulls[50] = {
            "title": "Fix IX",
            "body": "A hand-made fix.\n\nFixes #2",
            "head": "fix-ix",
            "base": "main",
            "draft": False,
            "state": "open",
            "merged": False,
        }
        root = tmp_path / "operator"
        root.mkdir()
        (root / "factory.toml").write_text(CONFIG)
        replay = root / "replay"
        replay.mkdir()
        (replay / "default.jsonl").write_text(CASSETTE.read_text())
        yield Operator(root=root, hub=hub)


def test_labelled_issues_are_swept_an_issue_with_a_pr_on_github_is_skipped_report_posted(
    operator: Operator,
) -> None:
    hub = operator.hub
    done = operator.cli(
        "sweep",
        "--replay-dir",
        str(operator.root / "replay"),
        "--post-report",
        f"{OWNER}/{NAME}#9",
        "--json",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["considered"] == 2  # #3 lacks the label; #9 too
    (delivered,) = report["pull_requests"]
    assert delivered["identity"] == f"{OWNER}/{NAME}#1" and delivered["status"] == "pr_open"
    (skipped,) = report["skipped"]
    assert skipped["identity"] == f"{OWNER}/{NAME}#2" and skipped["reason"] == "open_pr"
    assert "#50" in skipped["detail"]
    opened = [pull for number, pull in hub.pulls.items() if number != 50]
    assert len(opened) == 1 and opened[0]["head"].startswith("factory/1-")
    assert "Closes acme/app#1" in opened[0]["body"]
    (posted,) = [text for number, text in hub.comments if number == 9]
    assert posted.startswith("# Morning report") and f"{OWNER}/{NAME}#2" in posted
    assert report["posted"]

    again = operator.cli("sweep", "--replay-dir", str(operator.root / "replay"), "--json")
    assert json.loads(again.stdout)["skipped_by_reason"] == {"open_pr": 2}
    with Store(f"sqlite:///{operator.root / '.factory' / 'factory.db'}") as store:
        assert len(store.runs.latest()) == 1
