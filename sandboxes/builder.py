"""The offline base-image builder behind `factory sandbox build-base`.

debootstrap makes a minimal Debian root filesystem from the mirror this machine already
uses, `docker import` turns it into a base image, and the default Dockerfile is built on
top of it with no network. The result carries a content label (a hash of every input), so a
second run with the same inputs does nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors

from sandboxes import labels
from sandboxes.apt_sources import machine_debian_source
from sandboxes.docker_engine import connect
from sandboxes.errors import BuildFailed

BUILDER_VERSION = "1"
DOCKERFILE_DIR = Path(__file__).parent / "images" / "default"
PACKAGES = (
    "python3",
    "python-is-python3",
    "python3-venv",
    "python3-pip",
    "git",
    "ca-certificates",
    "build-essential",
    "python3-pytest",
)
DEB_CACHE = Path.home() / ".cache" / "agent-factory" / "debootstrap-debs"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildOutcome:
    image: str
    content: str
    skipped: bool
    duration_s: float


def content_hash(*, mirror: str, suite: str, pull: bool) -> str:
    inputs = {
        "builder": BUILDER_VERSION,
        "mirror": mirror,
        "suite": suite,
        "packages": PACKAGES,
        "dockerfile": (DOCKERFILE_DIR / "Dockerfile").read_text(encoding="utf-8"),
        "pull": pull,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:24]


def build_base(
    image: str,
    *,
    force: bool = False,
    pull: bool = False,
    mirror: str | None = None,
    suite: str | None = None,
    progress: Progress = lambda line: None,
    client: docker.DockerClient | None = None,
) -> BuildOutcome:
    """Make `image` unless an image with the same content label exists already.

    `pull=True` builds the Dockerfile on `python:3.11-slim` from a registry instead.
    """
    started = time.monotonic()
    client = client or connect(timeout=600)
    if mirror is None or suite is None:
        source = machine_debian_source()
        if source is None and not pull:
            raise BuildFailed(
                "no Debian mirror in /etc/apt: pass --mirror URL --suite NAME "
                "(e.g. http://deb.debian.org/debian bookworm)"
            )
        mirror = mirror or (source.uri if source else "")
        suite = suite or (source.suite if source else "")
    content = content_hash(mirror=mirror, suite=suite, pull=pull)
    if not force and _labelled(client, image) == content:
        # Said once, by the caller, from the outcome: a no-op has nothing to narrate.
        return BuildOutcome(image, content, True, time.monotonic() - started)
    if pull:
        _docker_build(client, image, content, base=None, progress=progress)
    else:
        rootfs_image = f"agent-factory/debian-rootfs:{suite}-{content[:12]}"
        if force or _labelled(client, rootfs_image) != content:
            _make_rootfs_image(client, rootfs_image, content, mirror, suite, progress)
        _docker_build(client, image, content, base=rootfs_image, progress=progress)
    return BuildOutcome(image, content, False, time.monotonic() - started)


def _labelled(client: docker.DockerClient, image: str) -> str | None:
    try:
        found = client.images.get(image)
    except docker.errors.ImageNotFound:
        return None
    return (found.labels or {}).get(labels.CONTENT)


def _make_rootfs_image(
    client: docker.DockerClient,
    tag: str,
    content: str,
    mirror: str,
    suite: str,
    progress: Progress,
) -> None:
    debootstrap = _ensure_debootstrap(progress)
    DEB_CACHE.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="agent-factory-rootfs-", dir="/var/tmp"))
    rootfs = workdir / "rootfs"
    try:
        progress(f"debootstrap {suite} from {mirror} (minbase + {len(PACKAGES)} packages)")
        _run_streaming(
            [
                debootstrap,
                "--variant=minbase",
                f"--cache-dir={DEB_CACHE}",
                f"--include={','.join(PACKAGES)}",
                suite,
                str(rootfs),
                mirror,
            ],
            progress,
        )
        _trim_rootfs(rootfs)
        progress(f"importing root filesystem as {tag}")
        tar = subprocess.Popen(
            [
                "tar",
                "-C",
                str(rootfs),
                "--numeric-owner",
                "--exclude=./dev/*",
                "--exclude=./proc/*",
                "--exclude=./sys/*",
                "-cf",
                "-",
                ".",
            ],
            stdout=subprocess.PIPE,
        )
        assert tar.stdout is not None
        client.api.import_image(
            src=tar.stdout,
            repository=tag.rsplit(":", 1)[0],
            tag=tag.rsplit(":", 1)[1],
            changes=[f'LABEL {labels.CONTENT}="{content}"', 'CMD ["/bin/sh"]'],
            stream_src=True,
        )
        if tar.wait() != 0:
            raise BuildFailed("packing the root filesystem failed; see the messages above")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _trim_rootfs(rootfs: Path) -> None:
    """Drop what only the build needed: downloaded packages and apt lists."""
    for pattern in ("var/cache/apt/archives/*.deb", "var/lib/apt/lists/*_Packages"):
        for path in rootfs.glob(pattern):
            path.unlink(missing_ok=True)


def _ensure_debootstrap(progress: Progress) -> str:
    found = shutil.which("debootstrap") or shutil.which("debootstrap", path="/usr/sbin:/sbin")
    if found:
        return found
    if os.geteuid() != 0:
        raise BuildFailed(
            "debootstrap is missing and needs root: run `sudo apt-get install debootstrap` "
            "then `sudo .venv/bin/factory sandbox build-base` (or use --pull where a registry "
            "is reachable)"
        )
    progress("installing debootstrap with apt-get")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "debootstrap"]
    try:
        _run_streaming(install, progress)
    except BuildFailed:  # a fresh machine may have no package lists yet
        _run_streaming(["apt-get", "update"], progress)
        _run_streaming(install, progress)
    found = shutil.which("debootstrap") or shutil.which("debootstrap", path="/usr/sbin:/sbin")
    if not found:
        raise BuildFailed("apt-get did not install debootstrap: run `apt-get update` and retry")
    return found


def _run_streaming(argv: list[str], progress: Progress) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as proc:
        assert proc.stdout is not None
        tail: list[str] = []
        for line in proc.stdout:
            progress(line.rstrip())
            tail = [*tail[-4:], line.rstrip()]
    if proc.returncode != 0:
        if os.geteuid() != 0 and Path(argv[0]).name == "debootstrap":
            raise BuildFailed(
                "debootstrap needs root: run `sudo .venv/bin/factory sandbox build-base`"
            )
        raise BuildFailed(f"{Path(argv[0]).name} failed ({proc.returncode}): {' | '.join(tail)}")


def _docker_build(
    client: docker.DockerClient,
    image: str,
    content: str,
    *,
    base: str | None,
    progress: Progress,
) -> None:
    progress(
        f"building {image} from {DOCKERFILE_DIR / 'Dockerfile'} on {base or 'python:3.11-slim'}"
    )
    for event in client.api.build(
        path=str(DOCKERFILE_DIR),
        tag=image,
        buildargs={"BASE": base} if base else None,
        labels={labels.CONTENT: content},
        network_mode="none" if base else None,  # offline means offline: proven at build time
        pull=base is None,
        rm=True,
        forcerm=True,
        decode=True,
    ):
        if "error" in event:
            raise BuildFailed(f"docker build failed: {str(event['error']).strip()}")
        text = str(event.get("stream", "")).strip()
        if text:
            progress(text)
