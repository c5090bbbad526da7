"""Fixtures for sandbox tests against the real Docker engine.

Every container a test here makes is scoped by a per-session run-id prefix (or owned by this
process), and the session ends by asserting none of them remains.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from sandboxes import labels
from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_engine import connect, require_image
from sandboxes.errors import EngineUnavailable, ImageMissing

RUN_PREFIX = f"test-sbx-{uuid.uuid4().hex[:8]}-"


def _ours(client: docker.DockerClient) -> list[dict[str, object]]:
    found = []
    for summary in client.api.containers(all=True, filters={"label": labels.RUN}):
        container_labels = summary.get("Labels") or {}
        if (
            container_labels.get(labels.RUN, "").startswith(RUN_PREFIX)
            or container_labels.get(labels.OWNER) == labels.owner_label()
        ):
            found.append(summary)
    return found


@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    try:
        client = connect()
    except EngineUnavailable as exc:
        pytest.skip(str(exc))
    try:
        require_image(client, DockerSandboxConfig().image)
    except ImageMissing as exc:
        pytest.fail(str(exc))
    return client


@pytest.fixture(autouse=True, scope="session")
def _no_container_of_ours_survives_the_session() -> Iterator[None]:
    yield
    try:
        client = connect()
    except EngineUnavailable:
        return
    leftovers = _ours(client)
    for summary in leftovers:
        client.api.remove_container(summary["Id"], force=True)
    assert not leftovers, f"sandbox tests left containers behind: {leftovers}"


@pytest.fixture
def run_id() -> str:
    return f"{RUN_PREFIX}{uuid.uuid4().hex[:8]}"


@pytest.fixture
def cfg() -> DockerSandboxConfig:
    return DockerSandboxConfig(memory="256m", cpus=0.5, pids=128, output_cap_bytes=8192)


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    """A real git repository with one committed file, standing in for a run's worktree."""
    repo = tmp_path / "wt"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README.md").write_text("sample\n")
    subprocess.run([*git, "add", "README.md"], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    return repo


def containers_of(client: docker.DockerClient, run: str) -> list[dict[str, object]]:
    return client.api.containers(all=True, filters={"label": f"{labels.RUN}={run}"})
