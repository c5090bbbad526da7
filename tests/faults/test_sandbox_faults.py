"""Sandboxes under faults: what the agent reads is clear, the sandbox goes on (or the run
stops resumably), and no container outlives what made it.

Sandbox-level cases run a command through the agent's own `run_command` tool in a real,
hardened container with small limits; run-level cases run `factory run` as a process and hit
its sandbox from outside while a command runs in it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from harness.tools.command import CommandArgs, RunCommand
from sandboxes import labels
from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_sandbox import CGROUP_PIDS_DIRS, DockerSandbox
from tests.e2e import script
from tests.faults.conftest import Workspace, assert_nothing_left, run_json, use_openai_server
from tests.support.model_wire import openai_body
from tests.support.wire_server import Answer, WireServer

pytestmark = [pytest.mark.chaos, pytest.mark.docker]

LIMITS = DockerSandboxConfig(memory="256m", pids=64, tmp_size="16m", home_size="16m")
SLEEPER = "sleep 300"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[DockerSandbox]:
    worktree = tmp_path / "worktree"
    worktree.mkdir()
    with DockerSandbox(LIMITS, worktree=worktree, run_id="r-faults0001") as box:
        yield box
    assert not _containers({labels.RUN: "r-faults0001", labels.OWNER: labels.owner_label()})


def _containers(wanted: dict[str, str]) -> list[str]:
    client = docker.from_env()
    found = client.api.containers(
        all=True, filters={"label": [f"{k}={v}" for k, v in wanted.items()]}
    )
    client.close()
    return [c["Id"] for c in found]


def run(box: DockerSandbox, command: str, timeout_s: float = 60) -> str:
    """The command as the agent runs it, and the text the agent reads back."""
    return RunCommand(box).run(CommandArgs(command=command, timeout_s=timeout_s)).text


def test_a_full_tmp_is_a_clear_error_and_the_sandbox_goes_on(sandbox: DockerSandbox) -> None:
    said = run(sandbox, "head -c 64M /dev/zero > /tmp/fill")
    assert said.startswith("exit code 1") and "No space left on device" in said
    after = run(sandbox, "rm /tmp/fill && echo saved > /workspace/after.txt && cat after.txt")
    assert after.startswith("exit code 0") and "saved" in after
    assert (
        sandbox.worktree is not None and (sandbox.worktree / "after.txt").read_text() == "saved\n"
    )


def test_a_fork_bomb_is_held_by_the_pids_limit_and_the_sandbox_restarted(
    sandbox: DockerSandbox,
) -> None:
    said = run(sandbox, "bomb() { bomb | bomb & }; bomb; sleep 2", timeout_s=30)
    assert "the sandbox was restarted" in said and "Cannot fork" in said
    cgroup = _pids_cgroup(sandbox)
    if cgroup is not None:  # the host's own count: the limit held, and the bomb is gone
        assert int((cgroup / "pids.current").read_text()) <= 2
        peak = cgroup / "pids.peak"
        if peak.exists():
            assert int(peak.read_text()) <= LIMITS.pids
    after = run(sandbox, "echo still here > /workspace/after.txt && cat after.txt")
    assert after.startswith("exit code 0") and "still here" in after


def _pids_cgroup(box: DockerSandbox) -> Path | None:
    for template in CGROUP_PIDS_DIRS:
        folder = Path(template.format(id=box.container_id))
        if folder.is_dir():
            return folder
    return None


def test_a_command_that_ignores_sigterm_is_killed_at_its_timeout(sandbox: DockerSandbox) -> None:
    said = run(sandbox, "echo $$ > /workspace/pid; trap '' TERM INT HUP; sleep 600", timeout_s=2)
    assert said.startswith("exit code -1 (timed out and was killed)")
    assert sandbox.worktree is not None
    pid = (sandbox.worktree / "pid").read_text().strip()
    gone = run(sandbox, f"kill -0 {pid} 2>/dev/null && echo alive || echo gone")
    assert "gone" in gone
    # The same stubborn process left running in the background does not hold up teardown:
    # removing the sandbox kills it, and the fixture finds no container afterwards.
    run(sandbox, "(trap '' TERM INT HUP; while :; do sleep 1; done) > /dev/null 2>&1 &")


def test_an_out_of_memory_kill_is_named_and_the_sandbox_goes_on(sandbox: DockerSandbox) -> None:
    said = run(sandbox, "python3 -c 'x = bytearray(1 << 30)'")
    assert "(killed: out of memory)" in said.splitlines()[0]
    assert run(sandbox, "echo fine").startswith("exit code 0")


# -- whole runs -------------------------------------------------------------------------------


def _when_running(ws: Workspace, act: Callable[[str], None]) -> threading.Thread:
    """Calls `act(container_id)` once the run's sandbox is running SLEEPER (in a thread)."""

    def watch() -> None:
        client = docker.from_env()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            for summary in client.api.containers(filters={"label": labels.RUN}):
                run_id = (summary.get("Labels") or {}).get(labels.RUN, "")
                if not _is_ours(ws, run_id):
                    continue
                try:
                    processes = client.api.top(summary["Id"])["Processes"] or []
                except docker.errors.APIError:
                    continue
                if any(SLEEPER in " ".join(row) for row in processes):
                    act(summary["Id"])
                    return
            time.sleep(0.2)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _is_ours(ws: Workspace, run_id: str) -> bool:
    if not (ws.config().factory.data_dir / "factory.db").exists():
        return False
    with ws.store() as store:
        return store.runs.find(run_id) is not None


def _serve(server: WireServer, *replies: dict[str, object]) -> None:
    for index, reply in enumerate(replies):
        server.answer(Answer(body=openai_body(reply, index)))


def _sleeping_coder() -> dict[str, object]:
    command = {"command": SLEEPER, "timeout_s": 600}
    return {"text": "Checking.", "tool_calls": [{"name": "run_command", "arguments": command}]}


def _resume_to_one_pr(ws: Workspace, server: WireServer, run_id: str) -> None:
    _serve(server, *script.demo_replies()[2:])
    resumed = ws.cli("resume", run_id, "--json")
    result = run_json(resumed)
    assert resumed.returncode == 0 and result["status"] == "pr_open", resumed.stderr[-2000:]
    with ws.store() as store:
        assert [p.number for p in store.pull_requests.all(repo="numerals")] == [1]
    assert_nothing_left(ws, run_id)


def test_a_sandbox_killed_from_outside_mid_command_stops_the_run_resumably(
    workspace: Workspace, model_server: WireServer
) -> None:
    use_openai_server(workspace, model_server.url)
    _serve(model_server, *script.demo_replies()[0:2], _sleeping_coder())
    client = docker.from_env()
    killer = _when_running(workspace, lambda container: client.api.kill(container))

    failed = workspace.cli("run", str(workspace.ticket), "--json")

    killer.join(timeout=10)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    (run,) = json.loads(workspace.cli("runs", "list", "--json").stdout)
    assert run["status"] == "failed" and run["driver"] is None
    assert f"died while `{SLEEPER}` ran (killed from outside, exit 137)" in run["outcome"]
    assert_nothing_left(workspace, run["id"])
    _resume_to_one_pr(workspace, model_server, run["id"])


ENGINE_PID_FILE = Path("/var/run/docker.pid")


def _check_engine_is_ours() -> None:
    if os.geteuid() != 0:
        pytest.skip("restarting the Docker engine needs root (CI runs as root)")
    if os.environ.get("FACTORY_TEST_RESTART_ENGINE") != "1":
        pytest.skip(
            "SKIPPED: restarting the Docker engine kills every container on this machine, other "
            "people's too; set FACTORY_TEST_RESTART_ENGINE=1 where the engine is yours (CI does)"
        )


def _systemd_runs_docker() -> bool:
    return bool(
        shutil.which("systemctl")
        and Path("/run/systemd/system").is_dir()
        and subprocess.run(["systemctl", "is-active", "--quiet", "docker"], check=False).returncode
        == 0
    )


def _restart_engine() -> str:
    """Restart the Docker engine as its supervisor would; returns what went wrong, or "".

    Under systemd that is `systemctl restart docker`. CI's machines start `dockerd` from their
    own init, with no service manager that knows it (`service docker restart` fails there), so
    the engine is stopped with SIGTERM, as a service manager stops it, and started again with
    the command line and environment it ran with."""
    if _systemd_runs_docker():
        done = subprocess.run(
            ["systemctl", "restart", "docker"], capture_output=True, text=True, timeout=180
        )
        return "" if done.returncode == 0 else f"systemctl: {done.stderr}"
    try:
        pid = int(ENGINE_PID_FILE.read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")[:-1]
    except (OSError, ValueError) as exc:
        return f"cannot find the running dockerd: {exc}"
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 120
    while Path(f"/proc/{pid}").exists():
        if time.monotonic() > deadline:
            return f"dockerd (pid {pid}) did not stop within 120 s of SIGTERM"
        time.sleep(0.2)
    env = dict(item.decode().split("=", 1) for item in environ if b"=" in item)
    with Path("/tmp/dockerd-restarted-by-tests.log").open("ab") as log:
        # A session of its own: the engine must outlive this test process and its group.
        subprocess.Popen(
            [arg.decode() for arg in command],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    return ""


def _engine_up(within_s: float = 120) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            client = docker.from_env(timeout=5)
            client.ping()
            client.close()
            return True
        except docker.errors.DockerException:
            time.sleep(0.5)
    return False


@pytest.mark.engine_restart
def test_the_docker_engine_restarted_mid_run_stops_it_resumably(
    workspace: Workspace, model_server: WireServer
) -> None:
    _check_engine_is_ours()
    use_openai_server(workspace, model_server.url)
    _serve(model_server, *script.demo_replies()[0:2], _sleeping_coder())
    problems: list[str] = []

    def restart_engine(_container: str) -> None:
        problems.append(_restart_engine())

    watcher = _when_running(workspace, restart_engine)
    try:
        failed = workspace.cli("run", str(workspace.ticket), "--json")
        watcher.join(timeout=200)
    finally:
        if not _engine_up():  # never leave the engine down
            _restart_engine()
            assert _engine_up(), "the Docker engine did not come back"
    assert problems == [""], problems
    assert failed.returncode == 1, failed.stdout + failed.stderr
    (run,) = json.loads(workspace.cli("runs", "list", "--json").stdout)
    assert run["status"] == "failed" and run["driver"] is None
    assert "start a new sandbox" in run["outcome"], run["outcome"]
    _resume_to_one_pr(workspace, model_server, run["id"])
