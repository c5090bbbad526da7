"""Connecting to the Docker engine and checking the image, with one-line errors."""

from __future__ import annotations

import docker
import docker.errors
from docker.models.images import Image

from sandboxes.errors import EngineUnavailable, ImageMissing

BUILD_HINT = "run `factory sandbox build-base` (or `make image`)"


def connect(timeout: float = 60.0) -> docker.DockerClient:
    """A client for the engine named by DOCKER_HOST (or the local socket), verified alive."""
    try:
        client = docker.from_env(timeout=int(timeout))
        client.ping()
    except docker.errors.DockerException as exc:
        raise EngineUnavailable(
            "cannot reach the Docker engine: start it (or set DOCKER_HOST) and check "
            f"`docker info` works for this user ({_first_line(exc)})"
        ) from exc
    return client


def require_image(client: docker.DockerClient, image: str) -> Image:
    """The local image `image`, or ImageMissing saying how to get it (nothing is pulled)."""
    try:
        return client.images.get(image)
    except docker.errors.ImageNotFound as exc:
        hint = BUILD_HINT if image.startswith("agent-factory/") else f"`docker pull {image}`"
        raise ImageMissing(f"sandbox image {image} is not on this engine: {hint}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
