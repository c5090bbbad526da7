"""A test suite run in the real sandbox is reported test by test (real Docker)."""

from pathlib import Path

import pytest

from agents.test_report import detect_test_command


@pytest.mark.integration
@pytest.mark.docker
def test_run_test_suite_in_the_real_sandbox_reports_per_test(tmp_path: Path) -> None:
    import uuid

    from agents.test_report import run_test_suite
    from sandboxes.config import DockerSandboxConfig
    from sandboxes.docker_sandbox import DockerSandbox

    worktree = tmp_path / "worktree"
    worktree.mkdir()
    (worktree / "test_sample.py").write_text(
        "def test_ok():\n    assert True\n\ndef test_bad():\n    assert 'a' == 'b'\n"
    )
    command = detect_test_command(worktree)
    assert command == "python3 -m pytest -q"
    config = DockerSandboxConfig()
    with DockerSandbox(
        config, worktree=worktree, run_id=f"test-report-{uuid.uuid4().hex[:8]}"
    ) as box:
        report = run_test_suite(box, worktree, f"{command} -p no:cacheprovider", timeout=120)
    assert report.structured and (report.passed, report.failed) == (1, 1)
    assert report.failing_ids == ["test_sample::test_bad"]
    assert "AssertionError" in report.cases[1].output or "assert" in report.cases[1].output
