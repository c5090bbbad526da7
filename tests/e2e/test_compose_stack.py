"""deploy/compose.yaml brought up for real: PostgreSQL, a worker and the dashboard, built here
on the offline Debian base, run one replayed ticket from the queue to a pull request.
The ticket is queued (twice: one job) before the worker starts, then the worker takes it.

The images are built from this checkout by `docker-compose up --build` on the root filesystem
image `factory sandbox build-base` imported (the builds fetch only Debian packages and PyPI
wheels). The data directory is a temporary one, mounted at the same path inside and out as the
operations guide says, and holds the repository, the ticket and the model's cassette.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest

from factory.demo.run_demo import CASSETTE, REPO_NAME, prepare_demo
from sandboxes import labels

pytestmark = [pytest.mark.e2e, pytest.mark.docker, pytest.mark.slow, pytest.mark.integration]

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
ROOTFS = "agent-factory/debian-rootfs"
HOST_CAS = Path("/usr/local/share/ca-certificates")


def offline_base_image() -> str:
    """The newest Debian root filesystem `factory sandbox build-base` imported."""
    images = docker.from_env().images.list(name=ROOTFS)
    tags = [tag for image in images for tag in image.tags if tag.startswith(ROOTFS + ":")]
    if not tags:
        pytest.fail("no agent-factory/debian-rootfs image: `make image` builds it")
    return sorted(tags)[-1]


@contextmanager
def host_certificates() -> Iterator[None]:
    """The host's own CA certificates in deploy/certs/ for the build, as an operator behind a
    TLS-inspecting proxy puts them (this machine reaches PyPI through one)."""
    added = []
    for certificate in sorted(HOST_CAS.glob("*.crt")):
        target = DEPLOY / "certs" / f"test-host-{certificate.name}"
        shutil.copy(certificate, target)
        added.append(target)
    try:
        yield
    finally:
        for target in added:
            target.unlink(missing_ok=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stack:
    project: str
    data: Path
    env: dict[str, str]
    port: int

    def compose(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["docker-compose", "-p", self.project, "-f", str(COMPOSE), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def factory(self, *args: str) -> Any:
        """`factory ... --json` inside the dashboard's container (the same image and
        configuration as the workers'), parsed."""
        done = self.compose("exec", "-T", "dashboard", "factory", *args, "--json")
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)

    def logs(self) -> str:
        return self.compose("logs", "--no-color", "--tail", "80").stdout


def write_workspace(data: Path) -> Path:
    """The demo project under the data dir, configured with paths valid in every container."""
    root = prepare_demo(data / "demo")
    cassette = root / "cassette.jsonl"
    shutil.copy(CASSETTE, cassette)
    text = (root / "factory.toml").read_text()
    text = text.replace('data_dir = ".factory"', f'data_dir = "{data / "factory"}"')
    text = text.replace(f'cassette = "{CASSETTE}"', f'cassette = "{cassette}"')
    text = text.replace(f'path = "{REPO_NAME}"', f'path = "{root / REPO_NAME}"')
    (root / "factory.toml").write_text(text)
    return root


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    if shutil.which("docker-compose") is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose (Debian's package) is missing on CI")
        pytest.skip("docker-compose is not installed")
    data = tmp_path / "data"
    root = write_workspace(data)
    port = free_port()
    env = {
        **os.environ,
        "BASE_IMAGE": offline_base_image(),
        "POSTGRES_PASSWORD": secrets.token_hex(12),
        "FACTORY_TOML": str(root / "factory.toml"),
        "FACTORY_DATA_DIR": str(data),
        "FACTORY_WEB_TOKEN": secrets.token_hex(12),
        "DASHBOARD_PORT": str(port),
        "WORKER_CONCURRENCY": "1",
    }
    stack = Stack(f"factory-test-{secrets.token_hex(4)}", data, env, port)
    try:
        with host_certificates():
            # No worker yet: the test queues before any job can be taken.
            up = stack.compose("up", "-d", "--build", "--scale", "worker=0", timeout=1800)
        assert up.returncode == 0, up.stdout[-4000:] + up.stderr[-4000:]
        yield stack
    finally:
        logs = stack.logs()
        down = stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "60")
        assert down.returncode == 0, down.stderr
        # Each change to the sources rebuilds the 1 GB factory image; the one it replaced is
        # left untagged. Only untagged images of the deploy files go, never another's.
        docker.from_env().images.prune(filters={"dangling": True, "label": "agent-factory.deploy"})
        # Containers made as root inside the stack leave root-owned files; tmp_path is ours.
        print(logs)


def wait_for(check: Any, what: str, stack: Stack, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what} not in time; logs:\n{stack.logs()}"
        time.sleep(2)


def dashboard(stack: Stack, path: str) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{stack.port}{path}", timeout=5) as reply:
            return str(reply.read().decode())
    except OSError:
        return None


def test_the_compose_stack_runs_a_queued_ticket_to_a_pull_request(stack: Stack) -> None:
    ticket = stack.data / "demo" / "ticket.md"
    queued = stack.factory("run", "--enqueue", str(ticket))
    assert queued["already"] is False
    again = stack.factory("run", "--enqueue", str(ticket))
    assert again["job_id"] == queued["job_id"]  # one job per ticket, however often asked
    assert again["already"] is True
    workers = stack.compose("up", "-d", "--scale", "worker=1", "--no-recreate", "worker")
    assert workers.returncode == 0, workers.stderr

    def succeeded() -> bool:
        jobs = stack.factory("jobs", "list", "--queue", "runs")
        assert all(job["status"] != "failed" for job in jobs), jobs
        return len(jobs) == 1 and jobs[0]["status"] == "succeeded"

    wait_for(succeeded, "the run job", stack, timeout=900)
    run = stack.factory("runs", "show", queued["run_id"])
    assert run["status"] == "pr_open", run
    branches = subprocess.run(
        ["git", "-C", str(stack.data / "demo" / REPO_NAME), "branch", "--list", "factory/*"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert branches == [run["branch"]]
    assert stack.factory("audit", "verify")["ok"] is True

    # The dashboard reads the same PostgreSQL, published on the host's loopback only.
    page = wait_for(lambda: dashboard(stack, "/"), "the dashboard", stack, timeout=120)
    assert queued["run_id"] in page
    published = stack.compose("port", "dashboard", "8000").stdout.strip()
    assert published == f"127.0.0.1:{stack.port}"

    # sparse: a full listing inspects every container, and another suite's removed one 404s
    containers = docker.from_env().containers.list(
        all=True, sparse=True, filters={"label": f"{labels.RUN}={queued['run_id']}"}
    )
    assert [c.id for c in containers] == []
