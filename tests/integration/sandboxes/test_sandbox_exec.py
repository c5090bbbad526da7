"""Commands in a live sandbox: results, timeouts, output caps, OOM."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.errors import SandboxError

pytestmark = [pytest.mark.integration, pytest.mark.docker]

LEFTOVER_SLEEPS = "grep -l 'sleep 424[2]' /proc/[0-9]*/cmdline 2>/dev/null | wc -l"


@pytest.fixture
def sandbox(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, worktree: Path, run_id: str
) -> Iterator[DockerSandbox]:
    with DockerSandbox(cfg, worktree=worktree, run_id=run_id, client=docker_client) as live:
        yield live


def test_exit_code_stdout_and_stderr_are_kept_apart(sandbox: DockerSandbox) -> None:
    result = sandbox.exec("echo out; echo err >&2; exit 3")
    assert (result.exit_code, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert not result.ok
    assert result.duration_s > 0


def test_argv_commands_are_not_reparsed_by_a_shell(sandbox: DockerSandbox) -> None:
    result = sandbox.exec(["printf", "%s|", "a b", "$HOME", ";"])
    assert result.stdout == "a b|$HOME|;|"


def test_cwd_is_relative_to_the_workspace_and_env_is_passed(sandbox: DockerSandbox) -> None:
    sandbox.exec("mkdir -p sub")
    result = sandbox.exec('pwd; echo "$GREETING"', cwd="sub", env={"GREETING": "hi"})
    assert result.stdout == "/workspace/sub\nhi\n"


def test_the_worktree_is_mounted_and_writes_show_up_on_the_host(
    sandbox: DockerSandbox, worktree: Path
) -> None:
    assert sandbox.exec("cat README.md").stdout == "sample\n"
    assert sandbox.exec("echo made-inside > inside.txt").ok
    assert (worktree / "inside.txt").read_text() == "made-inside\n"


def test_timeout_kills_the_whole_process_group_but_not_the_container(
    sandbox: DockerSandbox,
) -> None:
    result = sandbox.exec("sleep 4242 & sleep 4242; echo never", timeout=1.5)
    assert result.timed_out
    assert result.exit_code == -1
    assert "never" not in result.stdout
    assert result.duration_s < 10
    assert sandbox.exec(LEFTOVER_SLEEPS).stdout.strip() == "0"
    assert sandbox.exec("echo still-here").stdout == "still-here\n"


def test_a_command_that_never_stops_printing_still_times_out(sandbox: DockerSandbox) -> None:
    result = sandbox.exec("yes", timeout=1.5)
    assert result.timed_out
    assert result.truncated


def test_long_output_keeps_head_and_tail_and_is_marked(
    sandbox: DockerSandbox, cfg: DockerSandboxConfig
) -> None:
    result = sandbox.exec("echo FIRST; seq 1 200000; echo LAST")
    assert result.truncated
    assert result.stdout.startswith("FIRST\n1\n")
    assert result.stdout.endswith("200000\nLAST\n")
    assert "bytes of output dropped by the sandbox" in result.stdout
    assert len(result.stdout.encode()) < cfg.output_cap_bytes + 200


@pytest.mark.slow
def test_a_gigabyte_of_output_neither_fills_memory_nor_hangs(sandbox: DockerSandbox) -> None:
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = sandbox.exec("head -c 1000000000 /dev/zero; echo; echo END", timeout=300)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert result.exit_code == 0
    assert result.truncated
    assert result.stdout.endswith("END\n")
    assert grown_kib < 100 * 1024  # far below the 1 GB that went through


def test_out_of_memory_is_reported_as_such(sandbox: DockerSandbox) -> None:
    result = sandbox.exec("python3 -c 'x = bytearray(1024 * 1024 * 1024)'", timeout=120)
    assert result.oom_killed
    assert not result.ok
    assert sandbox.exec("echo survived").stdout == "survived\n"
    assert not sandbox.exec("exit 137").oom_killed  # a plain 137 is not an OOM


def test_exec_in_a_container_that_died_says_to_start_a_new_sandbox(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str
) -> None:
    with DockerSandbox(cfg, worktree=None, run_id=run_id, client=docker_client) as sandbox:
        assert sandbox.container_id is not None
        docker_client.api.kill(sandbox.container_id)
        with pytest.raises(SandboxError, match="start a new sandbox"):
            sandbox.exec("true")


def test_oom_of_a_child_is_reported_even_when_the_shell_exits_zero(
    sandbox: DockerSandbox,
) -> None:
    assert sandbox.container_id is not None
    if sandbox._host_oom_kills() is None:
        pytest.skip("the engine's cgroups are not visible from this host (remote engine)")
    result = sandbox.exec("python3 -c 'x = bytearray(1024 * 1024 * 1024)'; echo after", timeout=120)
    assert result.exit_code == 0
    assert result.stdout == "after\n"
    assert result.oom_killed
    assert not result.ok


def test_a_timeout_shorter_than_startup_still_kills_the_group(sandbox: DockerSandbox) -> None:
    result = sandbox.exec("sleep 4242", timeout=0.01)
    assert result.timed_out
    assert sandbox.exec(LEFTOVER_SLEEPS).stdout.strip() == "0"
