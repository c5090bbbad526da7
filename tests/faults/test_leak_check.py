"""The suite's last check fails a session that leaves a labelled container behind: a session of
one test that leaks one, run as its own pytest process with the root conftest's hooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from sandboxes import labels

pytestmark = [pytest.mark.chaos, pytest.mark.docker]

ROOT = Path(__file__).resolve().parents[2]
LEAKY = """
import docker
from sandboxes import labels

def test_leaves_a_container_behind() -> None:
    docker.from_env().containers.create(
        "agent-factory/sandbox:latest", ["true"], labels=labels.container_labels("{run}", "agent")
    )
"""


def test_a_session_that_leaks_a_container_fails_and_names_it(tmp_path: Path) -> None:
    run_id = f"r-leak{tmp_path.name[-6:].replace('_', '0')}"
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import _session_temporary_folder, pytest_sessionfinish, "
        "pytest_sessionstart\n"
    )
    (tmp_path / "test_leaky.py").write_text(LEAKY.replace("{run}", run_id))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            # run as a session of its own, not as one more worker of the xdist run around it
            env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")},
        )
    finally:
        client = docker.from_env()
        for found in client.containers.list(all=True, filters={"label": f"{labels.RUN}={run_id}"}):
            found.remove(force=True)
        client.close()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed" in done.stdout  # the test itself passed: the session check failed it
    assert "the tests left behind what the factory made:" in done.stdout
    assert run_id in done.stdout
