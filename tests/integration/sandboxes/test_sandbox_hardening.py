"""Every hardening property, checked on a real container (inspected, never by sending packets)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.hardening import BASE_ENV

pytestmark = [pytest.mark.integration, pytest.mark.docker]


@pytest.fixture
def live(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, worktree: Path, run_id: str
) -> Iterator[tuple[DockerSandbox, dict[str, Any]]]:
    with DockerSandbox(cfg, worktree=worktree, run_id=run_id, client=docker_client) as sandbox:
        assert sandbox.container_id is not None
        yield sandbox, docker_client.api.inspect_container(sandbox.container_id)


def test_runs_as_a_non_root_user(live: tuple[DockerSandbox, dict[str, Any]]) -> None:
    sandbox, info = live
    assert info["Config"]["User"] not in ("", "0", "root", "0:0")
    assert sandbox.exec("id -u").stdout.strip() != "0"


def test_has_no_network_but_loopback(live: tuple[DockerSandbox, dict[str, Any]]) -> None:
    sandbox, info = live
    assert info["HostConfig"]["NetworkMode"] == "none"
    assert sandbox.exec("ls /sys/class/net").stdout.split() == ["lo"]


def test_drops_every_capability_and_forbids_new_privileges(
    live: tuple[DockerSandbox, dict[str, Any]],
) -> None:
    sandbox, info = live
    assert info["HostConfig"]["CapDrop"] == ["ALL"]
    assert "no-new-privileges" in info["HostConfig"]["SecurityOpt"]
    status = sandbox.exec("grep -E '^(CapEff|NoNewPrivs)' /proc/self/status").stdout
    assert "CapEff:\t0000000000000000" in status
    assert "NoNewPrivs:\t1" in status


def test_root_filesystem_is_read_only_with_writable_tmp_and_home(
    live: tuple[DockerSandbox, dict[str, Any]],
) -> None:
    sandbox, info = live
    assert info["HostConfig"]["ReadonlyRootfs"] is True
    assert sandbox.exec("touch /usr/evil").exit_code != 0
    assert sandbox.exec("touch /tmp/ok && touch $HOME/ok && echo fine").stdout.strip() == "fine"


def test_memory_cpu_and_pids_limits_come_from_config(
    live: tuple[DockerSandbox, dict[str, Any]], cfg: DockerSandboxConfig
) -> None:
    _, info = live
    host = info["HostConfig"]
    assert host["Memory"] == 256 * 2**20
    assert host["MemorySwap"] == 256 * 2**20
    assert host["NanoCpus"] == int(cfg.cpus * 1e9)
    assert host["PidsLimit"] == cfg.pids


def test_no_docker_socket_is_reachable(live: tuple[DockerSandbox, dict[str, Any]]) -> None:
    sandbox, info = live
    sources = [mount["Source"] for mount in info["Mounts"]]
    assert not any("docker.sock" in source for source in sources)
    assert [mount["Destination"] for mount in info["Mounts"]] == ["/workspace"]
    found = sandbox.exec("ls /var/run/docker.sock /run/docker.sock 2>&1; true").stdout
    assert found.count("No such file") == 2


def test_environment_holds_only_the_allowlist(
    monkeypatch: pytest.MonkeyPatch,
    docker_client: docker.DockerClient,
    cfg: DockerSandboxConfig,
    run_id: str,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-must-not-leak")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_mustnotleak")
    with DockerSandbox(cfg, worktree=None, run_id=run_id, client=docker_client) as sandbox:
        assert sandbox.container_id is not None
        config_env = docker_client.api.inspect_container(sandbox.container_id)["Config"]["Env"]
        seen = sandbox.exec("env").stdout
    names = {line.split("=", 1)[0] for line in config_env}
    assert names <= set(BASE_ENV)
    shell_adds = {"HOSTNAME", "PWD", "SHLVL", "_", "OLDPWD"}
    assert {line.split("=", 1)[0] for line in seen.splitlines()} <= set(BASE_ENV) | shell_adds
    assert "must-not-leak" not in seen
    assert "mustnotleak" not in seen


def test_labels_name_the_run_role_and_owner(
    live: tuple[DockerSandbox, dict[str, Any]], run_id: str
) -> None:
    _, info = live
    container_labels = info["Config"]["Labels"]
    assert container_labels["agent-factory.run"] == run_id
    assert container_labels["agent-factory.role"] == "agent"
    assert container_labels["agent-factory.owner"].endswith(f":{__import__('os').getpid()}")
