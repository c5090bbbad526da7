"""Containers are removed on every exit path, and `prune` cleans up after dead owners."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import docker
import pytest

from sandboxes import labels
from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.prune import prune

from .conftest import RUN_PREFIX, containers_of

pytestmark = [pytest.mark.integration, pytest.mark.docker]

OWNER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from sandboxes.config import DockerSandboxConfig
    from sandboxes.docker_sandbox import DockerSandbox

    installation = sys.argv[2] if len(sys.argv) > 2 else None
    with DockerSandbox(
        DockerSandboxConfig(), worktree=None, run_id=sys.argv[1], installation=installation
    ) as sandbox:
        print(sandbox.container_id, flush=True)
        time.sleep(600)
    """
)


def _start_owner(run_id: str, installation: str | None = None) -> tuple[subprocess.Popen[str], str]:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER_SCRIPT, run_id, *([installation] if installation else [])],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert owner.stdout is not None
    container_id = owner.stdout.readline().strip()
    assert container_id, "the owner process did not start its sandbox"
    return owner, container_id


def test_container_is_removed_when_the_body_raises(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str
) -> None:
    with (
        pytest.raises(RuntimeError, match="boom"),
        DockerSandbox(cfg, worktree=None, run_id=run_id, client=docker_client),
    ):
        assert len(containers_of(docker_client, run_id)) == 1
        raise RuntimeError("boom")
    assert containers_of(docker_client, run_id) == []


def test_container_is_removed_on_ctrl_c(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str
) -> None:
    with (
        pytest.raises(KeyboardInterrupt),
        DockerSandbox(cfg, worktree=None, run_id=run_id, client=docker_client),
    ):
        raise KeyboardInterrupt
    assert containers_of(docker_client, run_id) == []


def test_container_is_removed_when_the_owner_gets_sigterm(
    docker_client: docker.DockerClient, run_id: str
) -> None:
    owner, container_id = _start_owner(run_id)
    assert docker_client.api.inspect_container(container_id)["State"]["Running"]
    owner.send_signal(signal.SIGTERM)
    assert owner.wait(timeout=60) == 128 + signal.SIGTERM
    assert containers_of(docker_client, run_id) == []


def test_prune_removes_containers_of_a_killed_owner_and_only_those(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str
) -> None:
    dead_run = f"{run_id}-dead"
    owner, container_id = _start_owner(dead_run)
    owner.kill()  # SIGKILL: no handler runs, the container is left behind
    owner.wait(timeout=30)
    assert len(containers_of(docker_client, dead_run)) == 1
    with DockerSandbox(cfg, worktree=None, run_id=f"{run_id}-alive", client=docker_client):
        report = prune(run_prefix=RUN_PREFIX, client=docker_client)
        assert [name.split()[0] for name in report.removed] == [container_id[:12]]
        assert len(containers_of(docker_client, f"{run_id}-alive")) == 1
    assert containers_of(docker_client, dead_run) == []


def test_every_run_start_reaps_a_killed_owners_sandbox_and_says_so(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str, tmp_path: Path
) -> None:
    from factory.config import parse_config
    from factory.run.reaping import reap_orphan_sandboxes
    from factory.store.database import installation_id

    config = parse_config(
        {"factory": {"data_dir": str(tmp_path)}}, source="test", base_dir=tmp_path, environ={}
    )
    installation = installation_id(config.database_url)
    dead_run = f"{run_id}-dead"
    owner, container_id = _start_owner(dead_run, installation)
    owner.kill()
    owner.wait(timeout=30)
    elsewhere = f"{run_id}-elsewhere"  # owned by another host: never reaped from here
    docker_client.api.create_container(
        cfg.image,
        command=["true"],
        labels={labels.RUN: elsewhere, labels.ROLE: "agent", labels.OWNER: "other-host:1"},
        host_config=docker_client.api.create_host_config(network_mode="none"),
    )
    with DockerSandbox(
        cfg,
        worktree=None,
        run_id=f"{run_id}-alive",
        client=docker_client,
        installation=installation,
    ):
        removed = reap_orphan_sandboxes(config)
        assert f"{container_id[:12]} (run {dead_run})" in removed
        assert len(containers_of(docker_client, f"{run_id}-alive")) == 1
    assert containers_of(docker_client, dead_run) == []
    assert len(containers_of(docker_client, elsewhere)) == 1
    prune(lambda run: False, run_prefix=elsewhere, client=docker_client)


def test_prune_asks_the_store_about_runs_owned_elsewhere(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str
) -> None:
    finished, running = f"{run_id}-finished", f"{run_id}-running"
    for run in (finished, running):
        docker_client.api.create_container(
            cfg.image,
            command=["true"],
            labels={labels.RUN: run, labels.ROLE: "agent", labels.OWNER: "other-host:1"},
            host_config=docker_client.api.create_host_config(network_mode="none"),
        )
    dry = prune(
        lambda run: run == running, run_prefix=RUN_PREFIX, dry_run=True, client=docker_client
    )
    assert len(dry.removed) == 1 and finished in dry.removed[0]
    assert len(containers_of(docker_client, finished)) == 1  # dry run removes nothing
    prune(lambda run: run == running, run_prefix=RUN_PREFIX, client=docker_client)
    assert containers_of(docker_client, finished) == []
    assert len(containers_of(docker_client, running)) == 1
    prune(lambda run: False, run_prefix=running, client=docker_client)
    assert containers_of(docker_client, running) == []


@pytest.mark.skipif(os.getuid() != 0, reason="the ownership hand-over only happens for root hosts")
def test_files_written_in_the_sandbox_end_up_owned_by_the_host_user_and_usable_by_git(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, worktree: Path, run_id: str
) -> None:
    host_owner = (worktree.stat().st_uid, worktree.stat().st_gid)
    (worktree / "added_by_host_tool").mkdir()  # root-owned, created while the sandbox lives
    with DockerSandbox(cfg, worktree=worktree, run_id=run_id, client=docker_client) as sandbox:
        (worktree / "host_file.py").write_text("x = 1\n")
        result = sandbox.exec(
            "echo new > made.txt && echo more >> host_file.py && "
            "echo deep > added_by_host_tool/inside.txt && mkdir -p pkg/__pycache__ && "
            "git status --porcelain | wc -l"
        )
        assert result.ok, result.stderr
        assert sandbox.exec("id -u").stdout.strip() == str(cfg.sandbox_uid)
        during = subprocess.run(
            ["git", "-C", str(worktree), "status", "--porcelain"], capture_output=True, text=True
        )
        assert during.returncode == 0, during.stderr  # host git works while the sandbox lives
    for path in [worktree, *worktree.rglob("*")]:
        if ".git" in path.parts:
            continue
        assert (path.lstat().st_uid, path.lstat().st_gid) == host_owner, path
    status = subprocess.run(
        ["git", "-C", str(worktree), "status", "--porcelain"], capture_output=True, text=True
    )
    assert status.returncode == 0
    assert "made.txt" in status.stdout


def test_owner_label_lets_a_new_process_tell_whose_container_it_is(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str
) -> None:
    with DockerSandbox(cfg, worktree=None, run_id=run_id, client=docker_client) as sandbox:
        assert sandbox.container_id is not None
        owner = docker_client.api.inspect_container(sandbox.container_id)["Config"]["Labels"][
            labels.OWNER
        ]
    assert labels.parse_owner(owner) == (__import__("socket").gethostname(), os.getpid())


def test_sigterm_after_every_sandbox_is_gone_terminates_as_usual(
    docker_client: docker.DockerClient, run_id: str
) -> None:
    script = textwrap.dedent(
        """
        import sys, time
        from sandboxes.config import DockerSandboxConfig
        from sandboxes.docker_sandbox import DockerSandbox

        with DockerSandbox(DockerSandboxConfig(), worktree=None, run_id=sys.argv[1]):
            pass
        print("done", flush=True)
        time.sleep(600)
        """
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", script, run_id],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert owner.stdout is not None
    assert owner.stdout.readline().strip() == "done"
    owner.send_signal(signal.SIGTERM)
    assert owner.wait(timeout=60) == -signal.SIGTERM
