"""The warm pool hands out started sandboxes, refills in the background, and cleans up."""

from __future__ import annotations

import subprocess
from pathlib import Path

import docker
import pytest

from sandboxes import cleanup
from sandboxes.config import DockerSandboxConfig
from sandboxes.pool import WarmPool

from .conftest import containers_of

pytestmark = [pytest.mark.integration, pytest.mark.docker]


def test_pool_fills_hands_out_ready_sandboxes_and_refills(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str, tmp_path: Path
) -> None:
    with WarmPool(
        cfg, size=2, run_id=run_id, slot_root=tmp_path / "slots", client=docker_client
    ) as pool:
        assert pool.wait_until_full(timeout=120)
        assert len(containers_of(docker_client, run_id)) == 2
        sandbox = pool.acquire()
        with sandbox:
            assert sandbox.container_id is not None and sandbox.worktree is not None
            info = docker_client.api.inspect_container(sandbox.container_id)
            assert info["State"]["Running"]
            assert info["HostConfig"]["NetworkMode"] == "none"
            # The caller fills the slot after acquiring; the sandbox sees it at once.
            subprocess.run(["git", "init", "-q", str(sandbox.worktree)], check=True)
            (sandbox.worktree / "task.txt").write_text("from the host\n")
            result = sandbox.exec("cat task.txt && echo from-sandbox > out.txt && git status -s")
            assert result.ok, result.stderr
            assert "from the host" in result.stdout
            assert (sandbox.worktree / "out.txt").read_text() == "from-sandbox\n"
        assert pool.wait_until_full(timeout=120)  # refilled in the background
    assert containers_of(docker_client, run_id) == []
    assert pool.last_error is None


def test_empty_pool_still_hands_out_a_sandbox(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str, tmp_path: Path
) -> None:
    with (
        WarmPool(cfg, size=0, run_id=run_id, slot_root=tmp_path, client=docker_client) as pool,
        pool.acquire() as sandbox,
    ):
        assert sandbox.exec("echo cold").stdout == "cold\n"
    assert containers_of(docker_client, run_id) == []


def test_a_pool_without_refill_starts_its_sandboxes_once_and_releases_in_the_background(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str, tmp_path: Path
) -> None:
    with WarmPool(
        cfg, size=1, run_id=run_id, slot_root=tmp_path, client=docker_client, refill=False
    ) as pool:
        sandbox = pool.acquire()  # waits for the one still starting: no second container
        assert sandbox.exec("echo warm").stdout == "warm\n"
        assert pool.wait_until_full(timeout=1) is False  # nothing was started to replace it
        container = sandbox.container_id
        assert [c["Id"] for c in containers_of(docker_client, run_id)] == [container]
        pool.release(sandbox)
        cleanup.wait_for_removals()
        assert containers_of(docker_client, run_id) == []
        assert container not in cleanup.live_containers()
    assert pool.last_error is None
