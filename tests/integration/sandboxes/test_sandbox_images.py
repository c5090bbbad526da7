"""The default image has what sample projects need; a wrong image fails with the fix in one line."""

from __future__ import annotations

import io
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from sandboxes.builder import build_base
from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.errors import ImageLacksTools, ImageMissing, SandboxError

from .conftest import containers_of

pytestmark = [pytest.mark.integration, pytest.mark.docker]


def test_default_image_has_python_venv_pip_git_compilers_and_pytest(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str
) -> None:
    with DockerSandbox(cfg, worktree=None, run_id=run_id, client=docker_client) as sandbox:
        result = sandbox.exec(
            "python3 -m venv /tmp/v && /tmp/v/bin/python -c 'print(1)' && python3 -m pip --version"
            " && git --version && gcc --version && make --version && python3 -m pytest --version"
            " && test -f /etc/ssl/certs/ca-certificates.crt"
        )
    assert result.ok, result.stderr


def test_default_image_answers_to_python_as_well_as_python3(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str
) -> None:
    """Test commands written for a developer's machine say `python -m pytest`."""
    with DockerSandbox(cfg, worktree=None, run_id=run_id, client=docker_client) as sandbox:
        result = sandbox.exec("python -c 'import sys; print(sys.version_info[0])'")
    assert result.ok, result.stderr
    assert result.stdout.strip() == "3"


def test_missing_image_says_to_build_it(docker_client: docker.DockerClient, run_id: str) -> None:
    cfg = DockerSandboxConfig(image="agent-factory/not-built:never")
    with pytest.raises(ImageMissing, match=r"factory sandbox build-base") as caught:
        DockerSandbox(cfg, worktree=None, run_id=run_id, client=docker_client).__enter__()
    assert "\n" not in str(caught.value)
    assert containers_of(docker_client, run_id) == []


@pytest.fixture
def bare_image(docker_client: docker.DockerClient) -> Iterator[str]:
    """An image holding one data file and no tools at all."""
    payload = io.BytesIO()
    with tarfile.open(fileobj=payload, mode="w") as tar:
        data = b"nothing to run here\n"
        info = tarfile.TarInfo("README")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    tag = f"agent-factory-test/bare:{uuid.uuid4().hex[:8]}"
    docker_client.api.import_image_from_data(
        payload.getvalue(), repository=tag.split(":")[0], tag=tag.split(":")[1]
    )
    yield tag
    docker_client.images.remove(tag, force=True)


def test_image_without_the_needed_tools_says_which_image_to_use(
    docker_client: docker.DockerClient, bare_image: str, run_id: str
) -> None:
    cfg = DockerSandboxConfig(image=bare_image)
    with (
        pytest.raises(ImageLacksTools, match=r"build-base") as caught,
        DockerSandbox(cfg, worktree=None, run_id=run_id, client=docker_client),
    ):
        pass
    assert "\n" not in str(caught.value)
    assert containers_of(docker_client, run_id) == []


def test_builder_is_idempotent_and_rebuilds_from_the_cached_root_filesystem(
    docker_client: docker.DockerClient,
) -> None:
    current = build_base(DockerSandboxConfig().image, client=docker_client)
    assert current.skipped  # `make image` built it with these very inputs
    tag = f"agent-factory-test/sandbox:{uuid.uuid4().hex[:8]}"
    lines: list[str] = []
    try:
        fresh = build_base(tag, client=docker_client, progress=lines.append)
        assert not fresh.skipped
        assert fresh.content == current.content
        assert docker_client.images.get(tag).labels["agent-factory.content"] == fresh.content
        assert any("building" in line for line in lines)
        assert not any(line.startswith("debootstrap") for line in lines)  # rootfs re-used
        assert build_base(tag, client=docker_client).skipped
    finally:
        docker_client.images.remove(tag, force=True)


def test_missing_worktree_is_refused_before_docker_creates_it(
    docker_client: docker.DockerClient, cfg: DockerSandboxConfig, run_id: str, tmp_path: Path
) -> None:
    missing = tmp_path / "not-made-yet"
    with (
        pytest.raises(SandboxError, match="not a directory; create it first"),
        DockerSandbox(cfg, worktree=missing, run_id=run_id, client=docker_client),
    ):
        pass
    assert not missing.exists()
    assert containers_of(docker_client, run_id) == []
