"""The setup phase runs once with network, is committed, and is re-used while its key holds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.errors import SetupFailed
from sandboxes.setup_cache import prepare_setup_image

from .conftest import containers_of

pytestmark = [pytest.mark.integration, pytest.mark.docker]

INSTALL_ITSELF = (
    "python3 -m pip install --no-index --no-deps --no-build-isolation --break-system-packages "
    "--quiet -e ."
)
SETUP = [INSTALL_ITSELF, "echo prepared > /opt/setup-marker"]


@pytest.fixture
def sample_repo(worktree: Path) -> Path:
    token = uuid.uuid4().hex  # a unique manifest, so no earlier session's image can match
    (worktree / "pyproject.toml").write_text(
        "[build-system]\n"
        'requires = ["setuptools"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        "[project]\n"
        'name = "sample-pkg"\n'
        'version = "0.1.0"\n'
        f'description = "{token}"\n'
    )
    (worktree / "sample_pkg").mkdir()
    (worktree / "sample_pkg" / "__init__.py").write_text("VALUE = 'from the worktree'\n")
    return worktree


@pytest.fixture
def made_images(docker_client: docker.DockerClient) -> Iterator[list[str]]:
    images: list[str] = []
    yield images
    for image in set(images):
        docker_client.images.remove(image, force=True)


@pytest.mark.slow
def test_setup_is_committed_once_and_reused_by_offline_sandboxes(
    docker_client: docker.DockerClient,
    cfg: DockerSandboxConfig,
    sample_repo: Path,
    run_id: str,
    made_images: list[str],
) -> None:
    first = prepare_setup_image(cfg, sample_repo, SETUP, run_id=run_id, client=docker_client)
    made_images.append(first.image)
    assert not first.reused
    assert containers_of(docker_client, run_id) == []  # the setup container is gone
    assert not list(sample_repo.glob("*.egg-info"))  # setup never wrote into the host tree

    (sample_repo / "sample_pkg" / "__init__.py").write_text("VALUE = 'edited after setup'\n")
    second = prepare_setup_image(cfg, sample_repo, SETUP, run_id=run_id, client=docker_client)
    assert second.reused
    assert second.image == first.image

    with DockerSandbox(
        cfg, worktree=sample_repo, run_id=run_id, image=second.image, client=docker_client
    ) as sandbox:
        assert sandbox.container_id is not None
        host = docker_client.api.inspect_container(sandbox.container_id)["HostConfig"]
        result = sandbox.exec(
            "cat /opt/setup-marker && cd /tmp && "
            "python3 -c 'import sample_pkg; print(sample_pkg.VALUE)'"
        )
    assert host["NetworkMode"] == "none"
    assert result.stdout == "prepared\nedited after setup\n", result.stderr


@pytest.mark.slow
def test_changing_a_dependency_manifest_builds_a_new_setup_image(
    docker_client: docker.DockerClient,
    cfg: DockerSandboxConfig,
    sample_repo: Path,
    run_id: str,
    made_images: list[str],
) -> None:
    setup = ["echo prepared > /opt/setup-marker"]
    first = prepare_setup_image(cfg, sample_repo, setup, run_id=run_id, client=docker_client)
    made_images.append(first.image)
    (sample_repo / "requirements.txt").write_text("# now with requirements\n")
    second = prepare_setup_image(cfg, sample_repo, setup, run_id=run_id, client=docker_client)
    made_images.append(second.image)
    assert not second.reused
    assert second.key != first.key


def test_a_failing_setup_command_says_which_and_leaves_nothing(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, sample_repo: Path, run_id: str
) -> None:
    with pytest.raises(SetupFailed, match=r"`exit 7` failed \(exit 7\).*factory.toml"):
        prepare_setup_image(cfg, sample_repo, ["exit 7"], run_id=run_id, client=docker_client)
    assert containers_of(docker_client, run_id) == []


def test_no_setup_commands_means_the_base_image(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, sample_repo: Path, run_id: str
) -> None:
    assert prepare_setup_image(cfg, sample_repo, [], run_id=run_id, client=docker_client).image == (
        cfg.image
    )
