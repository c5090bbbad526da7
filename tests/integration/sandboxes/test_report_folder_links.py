"""The test-report folder in a worktree, which commands in the sandbox own: a symlink planted
where it goes (before the suite, or by the suite itself) is never followed by the host, so the
host never chmods, empties or reads a folder of the agent's choosing."""

from __future__ import annotations

import stat
from pathlib import Path

import docker
import pytest

from agents.test_report import REPORT_DIR, run_test_suite
from sandboxes.config import DockerSandboxConfig
from sandboxes.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.docker]

PYTEST = "python3 -m pytest -q -p no:cacheprovider"


@pytest.fixture
def guarded(tmp_path: Path) -> Path:
    """A host folder the agent would like the factory to open up: 0700, holding a key."""
    folder = tmp_path / "host-ssh"
    folder.mkdir(mode=0o700)
    (folder / "junit.xml").write_text("<testsuite name='not yours'/>")
    (folder / "id_ed25519").write_text("KEY\n")
    return folder


def unchanged(folder: Path) -> bool:
    return (
        stat.S_IMODE(folder.stat().st_mode) == 0o700
        and (folder / "junit.xml").read_text() == "<testsuite name='not yours'/>"
        and (folder / "id_ed25519").read_text() == "KEY\n"
    )


def test_a_report_folder_linked_out_before_the_suite_is_removed_not_followed(
    docker_client: docker.DockerClient,
    cfg: DockerSandboxConfig,
    run_id: str,
    worktree: Path,
    guarded: Path,
) -> None:
    (worktree / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    (worktree / REPORT_DIR).symlink_to(guarded)

    with DockerSandbox(cfg, worktree=worktree, run_id=run_id) as sandbox:
        report = run_test_suite(sandbox, worktree, PYTEST)

    assert report.structured and report.passed == 1  # the real folder's report was read
    assert (worktree / REPORT_DIR).is_dir() and not (worktree / REPORT_DIR).is_symlink()
    assert unchanged(guarded)


def test_a_report_folder_the_suite_links_out_is_not_read(
    docker_client: docker.DockerClient,
    cfg: DockerSandboxConfig,
    run_id: str,
    worktree: Path,
    guarded: Path,
) -> None:
    (worktree / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    # Once pytest has written its report, the suite swaps the folder for a link out.
    (worktree / "conftest.py").write_text(
        "import os, shutil\n\n\n"
        "def pytest_unconfigure(config):\n"
        f"    shutil.rmtree({REPORT_DIR!r})\n"
        f"    os.symlink({str(guarded)!r}, {REPORT_DIR!r})\n"
    )

    with DockerSandbox(cfg, worktree=worktree, run_id=run_id) as sandbox:
        report = run_test_suite(sandbox, worktree, PYTEST)

    # The link is not followed: the report falls back to the exit code, and the host's
    # junit.xml there ("not yours") was neither read as the suite's nor touched.
    assert (worktree / REPORT_DIR).is_symlink()  # the swap happened
    assert not report.structured and report.exit_code == 0
    assert unchanged(guarded)
