"""The classes found when the factory was tried as a new user would, with hostile input: each
class is fixed where it arises, and each case here runs the real command line against a real
git repository and store.

- posting the morning report: a missing token is refused before any sweep; an unreachable
  forge, found only after the sweep ran, is one line and a failing exit (the report is kept);
- incidents: a root cause must name a commit, pull request or run that exists;
- `backlog_dir`: a symlink leading out of the folder is refused and a dangling one reported,
  never read and never dropped unsaid.
(Numbers out of range, on the command line and in factory.toml, are walked over every option
and setting in tests/unit/factory/cli/test_numeric_options.py and
tests/unit/factory/config/test_numeric_bounds.py.)
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from tests.reliability.conftest import World, assert_refused

pytestmark = pytest.mark.integration


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_posting_a_report_without_a_token_is_refused_before_the_sweep(world: World) -> None:
    refused = world.spawn("sweep", "--post-report", "acme/app#9")
    assert_refused(refused, 2, ("--post-report needs GITHUB_TOKEN",), world)
    assert not (world.data / "sweeps").exists()


@pytest.mark.parametrize("as_json", [False, True])
def test_an_unreachable_forge_after_the_sweep_is_one_line_and_a_failing_exit(
    world: World, as_json: bool
) -> None:
    env = {"GITHUB_TOKEN": "not-used", "GITHUB_API_URL": f"http://127.0.0.1:{closed_port()}"}
    args = ["sweep", "--post-report", "acme/app#9", *(["--json"] if as_json else [])]
    done = world.spawn(*args, env=env)
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output and "unexpected error" not in done.output
    assert "the report was not posted: GitHub could not be reached" in done.output
    (written,) = (world.data / "sweeps").glob("*.md")  # the sweep's report is kept
    assert "Morning report" in written.read_text()
    if as_json:
        document = json.loads(done.stdout)  # one JSON object: the report and why it stayed here
        assert document["posted"] is None and "could not be reached" in document["post_error"]


def test_a_root_cause_commit_is_looked_up_in_the_repository(world: World) -> None:
    head = world.repo.head.commit.hexsha
    missing = "0123456789abcdef0123456789abcdef01234567"
    refused = world.invoke(
        "incident", "open", "--repo", "demo", "--title", "down", "--root-cause", missing
    )
    assert_refused(refused, 2, ("no such commit in demo",), world)
    opened = world.invoke(
        "incident", "open", "--repo", "demo", "--title", "down", "--root-cause", head[:9],
        "--json",
    )  # fmt: skip
    assert opened.exit_code == 0, opened.output
    recorded = json.loads(opened.stdout)
    assert recorded["root_cause"] == head and recorded["root_cause_checked"] is True


def test_backlog_dir_refuses_links_leading_out_and_names_dangling_ones(
    world: World, tmp_path: Path
) -> None:
    backlog = tmp_path / "backlog"
    backlog.mkdir()
    (backlog / "real.md").write_text("---\ntitle: A real ticket\n---\nDo the thing.\n")
    secret = tmp_path / "outside" / "id_rsa.md"
    secret.parent.mkdir()
    secret.write_text("---\ntitle: host secret\n---\nPRIVATE MATERIAL\n")
    os.symlink(secret, backlog / "leak.md")
    os.symlink(backlog / "gone.md", backlog / "dangling.md")
    os.symlink(backlog / "real.md", backlog / "alias.md")  # inside the folder: a ticket
    world.write_config(world.base_config(f'backlog_dir = "{backlog}"\n'))

    planned = world.invoke("sweep", "--dry-run", "--json")

    assert planned.exit_code == 0, planned.output
    report = json.loads(planned.stdout)
    assert "PRIVATE MATERIAL" not in planned.output and "host secret" not in planned.output
    problems = "\n".join(report["problems"])
    assert "leak.md: symlink leading out of backlog_dir" in problems
    assert "dangling.md: dangling symlink" in problems
    planned_tickets = {item["ticket"] for item in report["planned"]}
    assert len(planned_tickets) == 1  # real.md and alias.md are the same ticket
    world.check_nothing_started()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3"])
def test_serving_beyond_loopback_without_a_token_is_refused_before_listening(
    world: World, host: str
) -> None:
    refused = world.spawn("serve", "--host", host, "--port", str(closed_port()))
    assert_refused(refused, 2, ("refusing to serve on", "FACTORY_WEB_TOKEN"), world)
