"""Tools against a real git repository and a real Docker sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.messages import ToolCall
from harness.tools import ConfinedRoot, Toolbox, coding_tools, read_only_tools
from harness.tools.base import ToolOutput

pytestmark = pytest.mark.integration


def call(box: Toolbox, name: str, **arguments: Any) -> ToolOutput:
    return box.call(ToolCall(id="c", name=name, arguments=arguments))


def test_list_files_honours_gitignore(git_repo: Path, run_git: Callable[..., None]) -> None:
    (git_repo / ".gitignore").write_text("build/\n*.log\n")
    (git_repo / "src").mkdir()
    (git_repo / "src" / "main.py").write_text("print(1)\n")
    (git_repo / "gone.py").write_text("x\n")
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-q", "-m", "init")
    (git_repo / "gone.py").unlink()
    (git_repo / "build").mkdir()
    (git_repo / "build" / "out.py").write_text("generated\n")
    (git_repo / "debug.log").write_text("noise\n")
    (git_repo / "new.py").write_text("untracked but not ignored\n")
    box = Toolbox(read_only_tools(ConfinedRoot(git_repo)))
    assert call(box, "list_files").text.splitlines() == [".gitignore", "new.py", "src/main.py"]
    assert call(box, "list_files", pattern="*.py").text.splitlines() == ["new.py", "src/main.py"]
    assert call(box, "search", pattern="generated|noise").text == "no matches"


@pytest.mark.docker
@pytest.mark.slow
def test_run_command_reports_exit_code_and_trims_long_output(
    sandbox_worktree: tuple[Path, Any],
) -> None:
    root, sandbox = sandbox_worktree
    box = Toolbox(coding_tools(ConfinedRoot(root), sandbox))
    ok = call(box, "run_command", command="cat README.md; echo oops >&2; exit 3")
    assert ok.exit_code == 3 and not ok.is_error
    assert ok.text == "exit code 3\nstdout:\nsandboxed\nstderr:\noops"
    long = call(box, "run_command", command="seq 1 50000")
    assert long.exit_code == 0
    assert long.text.startswith("exit code 0")
    assert "stdout:\n1\n2\n3\n" in long.text
    assert long.text.rstrip().endswith("49999\n50000")
    assert "characters omitted. Re-run the command piped through grep" in long.text
    assert len(long.text) < 10_500


@pytest.mark.docker
@pytest.mark.slow
def test_symlink_made_by_a_sandbox_command_cannot_be_used_to_escape(
    sandbox_worktree: tuple[Path, Any], tmp_path: Path
) -> None:
    root, sandbox = sandbox_worktree
    outside = tmp_path / "host-secret.txt"
    outside.write_text("host only\n")
    box = Toolbox(coding_tools(ConfinedRoot(root), sandbox))
    made = call(
        box,
        "run_command",
        command=f"ln -s {outside} secret && ln -s / rootfs && ln -s README.md alias && ls -l",
    )
    assert made.exit_code == 0, made.text
    for name, args in [
        ("view_file", {"path": "secret"}),
        ("view_file", {"path": "rootfs/etc/passwd"}),
        ("edit_file", {"path": "secret", "old_string": "host", "new_string": "agent"}),
        ("create_file", {"path": "rootfs/tmp/planted", "content": "x"}),
    ]:
        out = call(box, name, **args)
        assert out.is_error and "symlink" in out.text, (name, out.text)
    assert outside.read_text() == "host only\n"
    assert call(box, "view_file", path="alias").text == "     1\tsandboxed"


def test_list_files_never_runs_commands_from_the_worktrees_git_config(
    git_repo: Path, run_git: Callable[..., None], tmp_path: Path
) -> None:
    # The sandbox can write the worktree, so it can write .git/config; git reads fsmonitor
    # from there and would run it on the host.
    marker = tmp_path / "host-code-ran"
    (git_repo / "a.py").write_text("x\n")
    run_git(git_repo, "add", ".")
    run_git(git_repo, "commit", "-q", "-m", "init")
    run_git(git_repo, "config", "core.fsmonitor", f"touch {marker}; true")
    box = Toolbox(read_only_tools(ConfinedRoot(git_repo)))
    assert call(box, "list_files").text == "a.py"
    assert call(box, "search", pattern="x").text == "a.py:1: x"
    assert not marker.exists()
