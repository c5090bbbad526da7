"""The setup phase: a repository's install commands run once with network, then are cached.

The result is committed to an image keyed by (base image id, setup commands, hash of the
dependency manifests); agent sandboxes start from that image with no network. While the key
holds, the image is re-used and no setup command runs again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import docker
import docker.errors

from sandboxes import cleanup, labels
from sandboxes.config import DockerSandboxConfig, size_in_bytes
from sandboxes.docker_engine import connect, require_image
from sandboxes.errors import SetupFailed
from sandboxes.execstream import run_exec
from sandboxes.hardening import BASE_ENV, WORKSPACE

MANIFEST_PATTERNS = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "requirements*.txt",
    "poetry.lock",
    "uv.lock",
    "Pipfile",
    "Pipfile.lock",
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "go.mod",
    "go.sum",
    "Cargo.toml",
    "Cargo.lock",
)
SETUP_REPOSITORY = "agent-factory/setup"


@dataclass(frozen=True)
class SetupImage:
    image: str
    key: str
    reused: bool


def manifests_digest(worktree: Path) -> str:
    """Hash of the dependency manifests at the worktree root (names and contents)."""
    digest = hashlib.sha256()
    for pattern in MANIFEST_PATTERNS:
        for path in sorted(worktree.glob(pattern)):
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def setup_key(base_image_id: str, commands: Sequence[str], worktree: Path) -> str:
    material = json.dumps([base_image_id, list(commands), manifests_digest(worktree)])
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def prepare_setup_image(
    cfg: DockerSandboxConfig,
    worktree: Path,
    commands: Sequence[str],
    *,
    run_id: str,
    client: docker.DockerClient | None = None,
    progress: Callable[[str], None] = lambda line: None,
    installation: str | None = None,
) -> SetupImage:
    """The image agent sandboxes of this repository start from (cfg.image when no setup)."""
    client = client or connect()
    base = require_image(client, cfg.image)
    if not commands:
        return SetupImage(cfg.image, "", True)
    key = setup_key(str(base.id), commands, worktree)
    tag = f"{SETUP_REPOSITORY}:{key[:20]}"
    with contextlib.suppress(docker.errors.ImageNotFound):
        if (client.images.get(tag).labels or {}).get(labels.SETUP_KEY) == key:
            return SetupImage(tag, key, True)
    marks = labels.container_labels(run_id, "setup", installation)
    _run_setup(client, cfg, worktree, commands, marks, tag, key, progress)
    return SetupImage(tag, key, False)


def _run_setup(
    client: docker.DockerClient,
    cfg: DockerSandboxConfig,
    worktree: Path,
    commands: Sequence[str],
    marks: dict[str, str],
    tag: str,
    key: str,
    progress: Callable[[str], None],
) -> None:
    api = client.api
    memory = size_in_bytes(cfg.memory)
    # The one phase with network (default bridge) and a writable root, as root: installing
    # system-wide is its job. The worktree is copied in, not mounted, so nothing it writes
    # lands in the host checkout; agent sandboxes later mount the real worktree over it.
    container_id = api.create_container(
        cfg.image,
        command=["sleep", "infinity"],
        user="0:0",
        working_dir=WORKSPACE,
        environment=BASE_ENV,
        labels=marks,
        host_config=api.create_host_config(
            security_opt=["no-new-privileges"],
            mem_limit=memory,
            memswap_limit=memory,
            nano_cpus=int(cfg.cpus * 1e9),
            pids_limit=cfg.pids,
        ),
    )["Id"]

    def remove() -> None:
        with contextlib.suppress(docker.errors.NotFound):
            api.remove_container(container_id, force=True)

    cleanup.register(container_id, remove)
    try:
        api.start(container_id)
        with tempfile.TemporaryFile() as archive:
            _write_worktree_tar(archive, worktree)
            api.put_archive(container_id, WORKSPACE, archive)
        for command in commands:
            progress(f"setup: {command}")
            outcome = run_exec(
                api,
                container_id,
                ["sh", "-c", command],
                user="0:0",
                workdir=WORKSPACE,
                env=BASE_ENV,
                timeout=cfg.setup_timeout_s,
                cap=cfg.output_cap_bytes,
            )
            if outcome.exit_code != 0:
                tail = (outcome.stderr or outcome.stdout).strip().splitlines()[-3:]
                why = "timed out" if outcome.timed_out else f"exit {outcome.exit_code}"
                raise SetupFailed(
                    f"setup command `{command}` failed ({why}): {' | '.join(tail)}; "
                    "fix the repository's [setup] commands in factory.toml"
                )
        repository, _, version = tag.partition(":")
        api.commit(
            container_id,
            repository=repository,
            tag=version,
            changes=[
                "USER agent",
                # Blank the setup container's own labels so they are not inherited.
                f'LABEL {labels.SETUP_KEY}="{key}" {labels.RUN}="" {labels.ROLE}=""',
                f'LABEL {labels.OWNER}=""',
            ],
        )
    finally:
        remove()
        cleanup.unregister(container_id)


def _write_worktree_tar(spool: IO[bytes], worktree: Path) -> None:
    """The worktree minus `.git`, as a tar written to `spool` (on disk: repos can be large)."""
    with tarfile.open(fileobj=spool, mode="w") as tar:
        for path in sorted(worktree.iterdir()):
            if path.name != ".git":
                tar.add(path, arcname=path.name)
    spool.seek(0)
