"""One live driver per run, one open run per ticket, and a record that says which: real
processes of `factory` against one store, real git, the real sandbox, the demo's cassette.

A driver is frozen mid-run with the `after:plan=stop` failpoint (SIGSTOP: alive, holding its
lease, heartbeat silent) so a second process meets it at a known place.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import docker
import pytest

from factory.demo.run_demo import CASSETTE, REPO_NAME
from factory.store import Store
from tests.e2e.conftest import Workspace
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow]

FREEZE = "after:plan=stop"


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, **extra}
    env.pop("FACTORY_CONFIG", None)
    return env


def _wait_until_frozen(process: subprocess.Popen[str], timeout: float = 300) -> None:
    """Until the process has stopped itself at the failpoint."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        state = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state in ("T", "t"):
            return
        time.sleep(0.1)
    raise AssertionError("the driver never reached its failpoint")


def _runs(workspace: Workspace) -> list[dict[str, object]]:
    listed = workspace.cli("runs", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    runs: list[dict[str, object]] = json.loads(listed.stdout)
    return runs


def _event_count(workspace: Workspace, run_id: str) -> int:
    with workspace.store() as store:
        return store.runs.get(run_id).event_count


def _containers_of(run_id: str) -> list[str]:
    client = docker.from_env()
    found = client.api.containers(all=True, filters={"label": f"agent-factory.run={run_id}"})
    return [summary["Id"][:12] for summary in found]


def _frozen_run(workspace: Workspace) -> tuple[subprocess.Popen[str], str]:
    driver = workspace.start(
        "run",
        str(workspace.ticket),
        "--replay",
        str(CASSETTE),
        "--json",
        env=_env(FACTORY_FAILPOINTS=FREEZE),
    )
    _wait_until_frozen(driver)
    (run,) = _runs(workspace)
    return driver, str(run["id"])


def _thaw(driver: subprocess.Popen[str]) -> tuple[int, str, str]:
    os.kill(driver.pid, signal.SIGCONT)
    out, err = driver.communicate(timeout=600)
    return driver.returncode, out, err


def test_resume_approve_and_reject_refuse_a_run_another_process_drives(
    workspace: Workspace,
) -> None:
    driver, run_id = _frozen_run(workspace)
    try:
        (listed,) = _runs(workspace)
        assert listed["status"] == "running"
        assert f"pid {driver.pid} on host {socket.gethostname()}" in str(listed["driver"])
        before = _event_count(workspace, run_id)
        refusal = f"run {run_id} is being driven by pid {driver.pid} on host {socket.gethostname()}"
        for command in (
            ("resume", run_id),
            ("approve", run_id),
            ("reject", run_id, "--reason", "no"),
        ):
            second = workspace.cli(*command, env=_env())
            assert second.returncode == 2, second.stdout + second.stderr
            assert refusal in second.stderr and " since 20" in second.stderr
            assert "Traceback" not in second.stderr
        assert _event_count(workspace, run_id) == before  # refusals append nothing
    finally:
        code, out, err = _thaw(driver)
    assert code == 0, err
    assert json.loads(out)["status"] == "pr_open"
    assert workspace.git("branch", "--list", "factory/*").split() == [listed["branch"]]

    # A finished run: resume says so and appends nothing.
    before = _event_count(workspace, run_id)
    again = workspace.cli("resume", run_id, env=_env())
    assert again.returncode == 2
    assert f"{run_id} already finished: pr_open" in again.stderr
    assert _event_count(workspace, run_id) == before
    (listed,) = _runs(workspace)
    assert listed["status"] == "pr_open" and listed["driver"] is None


def test_a_driver_frozen_past_its_lease_is_taken_over_and_then_stands_down(
    workspace: Workspace,
) -> None:
    text = workspace.config_path.read_text()
    workspace.config_path.write_text(text.replace("[factory]\n", "[factory]\nlease_ttl_s = 2\n"))
    driver, run_id = _frozen_run(workspace)
    try:
        # The frozen driver's heartbeat is silent: its lease expires.
        with workspace.store() as store:
            wait_until(lambda: store.leases.live(run_id) is None, "the frozen driver's lease")
        (listed,) = _runs(workspace)
        assert listed["status"] == "interrupted"
        taken = workspace.cli("resume", run_id, "--json", env=_env())
        assert taken.returncode == 0, taken.stdout + taken.stderr
        result = json.loads(taken.stdout)
        assert result["status"] == "pr_open"
        assert any(f"from pid {driver.pid}" in note for note in result["notes"])
    finally:
        code, out, err = _thaw(driver)
    # Woken up, the old driver finds its lease gone at the next node and changes nothing.
    assert code == 2, out + err
    assert f"stopped driving {run_id}" in json.loads(out)["error"]["message"]
    with workspace.store() as store:
        run = store.runs.get(run_id)
        assert run.status == "pr_open"
        assert len(store.pull_requests.all(repo=REPO_NAME)) == 1
    steps = workspace.git(
        "log", "--format=%(trailers:key=Factory-Step,valueonly)", f"main..{run.branch}"
    ).split()
    assert sorted(steps) == ["code-1", "test-1"]


def test_a_second_run_of_an_open_ticket_is_refused_unless_forced_on_purpose(
    workspace: Workspace,
) -> None:
    driver, first = _frozen_run(workspace)
    try:
        second = workspace.cli(
            "run", str(workspace.ticket), "--replay", str(CASSETTE), "--json", env=_env()
        )
        assert second.returncode == 2, second.stdout + second.stderr
        said = json.loads(second.stdout)["error"]["message"]  # --json: the error is JSON too
        assert f"already has an open run, {first}" in said and "--force-new" in said
        assert [run["id"] for run in _runs(workspace)] == [first]  # no second row

        forced = workspace.cli(
            "run",
            str(workspace.ticket),
            "--replay",
            str(CASSETTE),
            "--force-new",
            "--json",
            env=_env(),
        )
        assert forced.returncode == 0, forced.stdout + forced.stderr
        result = json.loads(forced.stdout)
        assert any(
            "second run of this ticket on purpose" in note and first in note
            for note in result["notes"]
        )
    finally:
        code, _out, err = _thaw(driver)
    assert code == 0, err
    runs = _runs(workspace)
    assert {run["status"] for run in runs} == {"pr_open"}
    assert len({run["branch"] for run in runs}) == 2
    with workspace.store() as store:
        assert store.claims.of_ticket(f"{REPO_NAME}#{_ticket_key(workspace)}") is None  # released
        kinds = [event.kind for event in store.events.read(result["run_id"])]
        assert "run.forced_new" in kinds


def _ticket_key(workspace: Workspace) -> str:
    from factory.tickets.markdown import MarkdownTicketSource

    return MarkdownTicketSource().fetch(str(workspace.ticket)).key


def test_repo_path_is_the_repository_the_run_works_in_even_when_resumed_elsewhere(
    workspace: Workspace, tmp_path: Path
) -> None:
    target = tmp_path / "work" / REPO_NAME
    shutil.copytree(workspace.repo, target)
    decoy_home = tmp_path / "elsewhere"
    decoy = decoy_home / REPO_NAME
    shutil.copytree(workspace.repo, decoy)  # same name, another repository
    config = tmp_path / "factory.toml"
    config.write_text(f'[factory]\ndata_dir = "{tmp_path / "data"}"\n')
    factory = workspace.command()[0]

    def cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [factory, "--config", str(config), *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=_env(**env),
            timeout=600,
        )

    killed = cli(
        "run",
        str(workspace.ticket),
        "--repo",
        f"../work/{REPO_NAME}",
        "--replay",
        str(CASSETTE),
        "--json",
        cwd=tmp_path / "elsewhere",
        FACTORY_FAILPOINTS="after:code",
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (run,) = json.loads(cli("runs", "list", "--json", cwd=tmp_path).stdout)

    # Resumed from a directory where `./numerals` is another repository of the same name.
    resumed = cli("resume", str(run["id"]), "--json", cwd=decoy_home)

    def branches(repo: Path) -> list[str]:
        listed = subprocess.run(
            ["git", "branch", "--list", "factory/*"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        )
        return listed.stdout.split()

    assert branches(decoy) == []
    assert branches(target) == [run["branch"]]
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "pr_open"
    assert run["repo_path"] == str(target.resolve())
    assert run["status"] == "interrupted"


def test_setup_failures_leave_no_run_row_running(workspace: Workspace, tmp_path: Path) -> None:
    # A cassette that is not one: refused before any run row exists, without a traceback.
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n")
    bad = workspace.cli("run", str(workspace.ticket), "--replay", str(broken), env=_env())
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert "broken.jsonl:1" in bad.stderr and "Traceback" not in bad.stderr
    assert _runs(workspace) == []

    # Docker unreachable: found when dead sandboxes are reaped, before any row exists.
    unreachable = workspace.cli(
        "run",
        str(workspace.ticket),
        "--replay",
        str(CASSETTE),
        env=_env(DOCKER_HOST="tcp://127.0.0.1:9"),
    )
    assert unreachable.returncode == 1, unreachable.stdout + unreachable.stderr
    assert "Traceback" not in unreachable.stderr
    assert _runs(workspace) == []

    # An unknown repository: said before any row exists.
    unknown = workspace.cli(
        "run", str(workspace.ticket), "--repo", "nowhere", "--replay", str(CASSETTE), env=_env()
    )
    assert unknown.returncode == 2 and "unknown repository 'nowhere'" in unknown.stderr
    assert _runs(workspace) == []

    # The repository cannot be read (not a git repository): said before any row exists.
    original = workspace.config_path.read_text()
    not_a_repo = tmp_path / "not-a-repo"
    not_a_repo.mkdir()
    workspace.config_path.write_text(
        original.replace('path = "numerals"', f'path = "{not_a_repo}"')
    )
    unclonable = workspace.cli(
        "run", str(workspace.ticket), "--replay", str(CASSETTE), "--json", env=_env()
    )
    assert unclonable.returncode in (1, 2), unclonable.stdout + unclonable.stderr
    said = json.loads(unclonable.stdout)["error"]["message"]
    assert str(not_a_repo) in said and "Traceback" not in unclonable.stderr
    assert _runs(workspace) == []
    workspace.config_path.write_text(original)

    # The sandbox image is missing: found by the preflight, before any row exists.
    text = workspace.config_path.read_text()
    workspace.config_path.write_text(
        text + '\n[sandbox]\nimage = "agent-factory/no-such-image:latest"\n'
    )
    no_image = workspace.cli("run", str(workspace.ticket), "--replay", str(CASSETTE), env=_env())
    assert no_image.returncode in (1, 2), no_image.stdout + no_image.stderr
    assert "no-such-image" in no_image.stderr and "Traceback" not in no_image.stderr
    assert _runs(workspace) == []
    workspace.config_path.write_text(text)

    # The repository's setup fails once the run exists: the run ends failed, saying why.
    workspace.configure('setup = ["echo broken-setup >&2; exit 3"]')
    failed = workspace.cli("run", str(workspace.ticket), "--replay", str(CASSETTE), env=_env())
    assert failed.returncode in (1, 2), failed.stdout + failed.stderr
    assert "Traceback" not in failed.stderr
    (run,) = _runs(workspace)
    assert run["status"] == "failed"
    assert str(run["outcome"]).startswith("could not set the run up: setup command")
    assert "broken-setup" in str(run["outcome"])
    assert _containers_of(str(run["id"])) == []
    with Store.open(workspace.config()) as store:
        assert store.claims.of_ticket(f"{REPO_NAME}#{_ticket_key(workspace)}") is None
