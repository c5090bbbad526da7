"""Two installations share one Docker engine (two data directories, two stores): reaping the
sandboxes of dead processes, which every run does first, removes only its own installation's.

Real Docker: each "dead process" is a child that starts a labelled sandbox and is killed -9.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from factory.config import FactoryConfig, parse_config
from factory.run.reaping import reap_orphan_sandboxes
from factory.store.database import installation_id
from sandboxes import labels
from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_engine import connect, require_image
from sandboxes.errors import EngineUnavailable, ImageMissing

pytestmark = [pytest.mark.integration, pytest.mark.docker]

DIE_HOLDING_A_SANDBOX = textwrap.dedent(
    """
    import os, signal, sys
    from sandboxes.config import DockerSandboxConfig
    from sandboxes.docker_sandbox import DockerSandbox

    sandbox = DockerSandbox(
        DockerSandboxConfig(), worktree=None, run_id=sys.argv[1], installation=sys.argv[2]
    )
    sandbox.start()
    print(sandbox.container_id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # as `kill -9` leaves it: nobody removes the sandbox
    """
)


PREFIX = f"r-reap{uuid.uuid4().hex[:6]}"
"""This module's run ids: whatever a failure leaves, the fixture removes by it."""


@pytest.fixture
def client() -> Iterator[docker.DockerClient]:
    try:
        engine = connect()
        require_image(engine, DockerSandboxConfig().image)
    except (EngineUnavailable, ImageMissing) as exc:
        pytest.skip(str(exc))
    yield engine
    for summary in engine.api.containers(all=True, filters={"label": labels.RUN}):
        if (summary.get("Labels") or {}).get(labels.RUN, "").startswith(PREFIX):
            engine.api.remove_container(summary["Id"], force=True)


def installation(root: Path) -> FactoryConfig:
    return parse_config(
        {"factory": {"data_dir": str(root / "data")}}, source="test", base_dir=root, environ={}
    )


def orphan(run_id: str, config: FactoryConfig) -> str:
    """The container a killed process left behind, labelled with `config`'s installation."""
    child = subprocess.run(
        [sys.executable, "-c", DIE_HOLDING_A_SANDBOX, run_id, installation_id(config.database_url)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
        env={**os.environ},
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    return child.stdout.strip()


def alive(client: docker.DockerClient, container_id: str) -> bool:
    try:
        client.api.inspect_container(container_id)
    except docker.errors.NotFound:
        return False
    return True


def test_each_installation_reaps_only_its_own_dead_sandboxes(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    first, second = installation(tmp_path / "one"), installation(tmp_path / "two")
    assert installation_id(first.database_url) != installation_id(second.database_url)
    assert installation_id(first.database_url) == installation_id(
        installation(tmp_path / "one").database_url
    )  # stable: the same store is the same installation in every process
    mine = orphan(f"{PREFIX}-a", first)
    theirs = orphan(f"{PREFIX}-b", second)
    assert alive(client, mine) and alive(client, theirs)

    reaped = reap_orphan_sandboxes(first)

    assert [name.split()[0] for name in reaped] == [mine[:12]]
    assert not alive(client, mine)
    assert alive(client, theirs)  # the other installation's, though its owner is dead too
    assert [name.split()[0] for name in reap_orphan_sandboxes(second)] == [theirs[:12]]
    assert not alive(client, theirs)
