"""File tools on a real directory: numbered views, exact edits, and confinement to the worktree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import BaseModel

from harness.messages import ToolCall
from harness.tools import ConfinedRoot, Toolbox, read_only_tools
from harness.tools.base import Tool, ToolOutput
from harness.tools.reading import ListFiles, Search, ViewFile
from harness.tools.writing import CreateFile, EditFile


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("".join(f"line {n}\n" for n in range(1, 501)))
    (root / "README.md").write_text("hello\nworld\nhello\n")
    (tmp_path / "secret.txt").write_text("outside the worktree\n")
    return root


def call(tree: Path, name: str, **arguments: object) -> ToolOutput:
    worktree = ConfinedRoot(tree)
    tools: list[Tool] = [ViewFile(worktree), ListFiles(worktree), Search(worktree)]
    tools += [EditFile(worktree), CreateFile(worktree)]
    return Toolbox(tools).call(ToolCall(id="c", name=name, arguments=dict(arguments)))


def test_view_shows_numbered_range(tree: Path) -> None:
    out = call(tree, "view_file", path="src/app.py", start_line=10, end_line=12)
    assert out.text == "    10\tline 10\n    11\tline 11\n    12\tline 12"
    assert not out.is_error


def test_view_caps_long_files_and_says_how_to_see_more(tree: Path) -> None:
    out = call(tree, "view_file", path="src/app.py")
    assert "   400\tline 400" in out.text and "line 401" not in out.text
    assert "showing lines 1-400 of 500; call view_file with start_line=401" in out.text


def test_view_accepts_the_sandbox_mount_path(tree: Path) -> None:
    assert call(tree, "view_file", path="/workspace/README.md").text.startswith("     1\thello")


def test_view_of_missing_file_is_a_tool_error(tree: Path) -> None:
    out = call(tree, "view_file", path="nope.py")
    assert out.is_error and "does not exist" in out.text


def test_absolute_path_outside_worktree_is_refused(tree: Path) -> None:
    out = call(tree, "view_file", path=str(tree.parent / "secret.txt"))
    assert out.is_error and "outside the worktree" in out.text
    assert call(tree, "view_file", path="/etc/passwd").is_error


def test_dotdot_is_refused(tree: Path) -> None:
    out = call(tree, "view_file", path="src/../../secret.txt")
    assert out.is_error and "'..'" in out.text


def test_symlink_leading_out_is_refused_for_reads_and_writes(tree: Path) -> None:
    (tree / "link.txt").symlink_to(tree.parent / "secret.txt")
    (tree / "linkdir").symlink_to(tree.parent)
    for name, args in [
        ("view_file", {"path": "link.txt"}),
        ("view_file", {"path": "linkdir/secret.txt"}),
        ("edit_file", {"path": "link.txt", "old_string": "outside", "new_string": "pwned"}),
        ("create_file", {"path": "linkdir/new.txt", "content": "x"}),
        ("list_files", {"path": "linkdir"}),
    ]:
        out = call(tree, name, **args)
        assert out.is_error and "symlink" in out.text, (name, out.text)
    assert (tree.parent / "secret.txt").read_text() == "outside the worktree\n"
    assert not (tree.parent / "new.txt").exists()


def test_symlink_planted_after_a_path_was_used_is_refused_on_next_use(tree: Path) -> None:
    assert not call(tree, "view_file", path="src/app.py", end_line=1).is_error
    # What a command in the sandbox could do between two tool calls.
    os.rename(tree / "src", tree / "src.real")
    os.symlink(tree.parent, tree / "src")
    (tree.parent / "app.py").write_text("not yours\n")
    out = call(tree, "view_file", path="src/app.py")
    assert out.is_error and "symlink" in out.text


def test_symlink_inside_the_worktree_is_allowed(tree: Path) -> None:
    (tree / "alias.md").symlink_to(tree / "README.md")
    assert call(tree, "view_file", path="alias.md").text.startswith("     1\thello")


def test_git_directory_is_off_limits(tree: Path) -> None:
    (tree / ".git").mkdir()
    out = call(tree, "create_file", path=".git/hooks/pre-commit", content="#!/bin/sh\n")
    assert out.is_error and ".git" in out.text


def test_edit_replaces_one_exact_unique_string(tree: Path) -> None:
    out = call(tree, "edit_file", path="src/app.py", old_string="line 7\n", new_string="seven\n")
    assert not out.is_error
    assert "     7\tseven" in out.text
    assert (tree / "src" / "app.py").read_text().splitlines()[6] == "seven"


def test_edit_reports_text_not_found(tree: Path) -> None:
    out = call(tree, "edit_file", path="README.md", old_string="goodbye", new_string="x")
    assert out.is_error and "old_string was not found in README.md" in out.text


def test_edit_reports_every_line_an_ambiguous_string_occurs_on(tree: Path) -> None:
    out = call(tree, "edit_file", path="README.md", old_string="hello", new_string="hi")
    assert out.is_error
    assert "found 2 times in README.md (at lines 1, 3)" in out.text
    assert (tree / "README.md").read_text() == "hello\nworld\nhello\n"


def test_create_makes_parents_and_refuses_to_clobber(tree: Path) -> None:
    assert not call(tree, "create_file", path="pkg/new/mod.py", content="x = 1\n").is_error
    assert (tree / "pkg" / "new" / "mod.py").read_text() == "x = 1\n"
    again = call(tree, "create_file", path="pkg/new/mod.py", content="y\n")
    assert again.is_error and "already exists" in again.text
    assert not call(
        tree, "create_file", path="pkg/new/mod.py", content="y\n", overwrite=True
    ).is_error
    assert (tree / "pkg" / "new" / "mod.py").read_text() == "y\n"


def test_list_files_filters_by_glob_without_git(tree: Path) -> None:
    assert call(tree, "list_files", pattern="*.py").text == "src/app.py"
    assert call(tree, "list_files").text.splitlines() == ["README.md", "src/app.py"]


def test_search_finds_regex_matches_with_locations(tree: Path) -> None:
    out = call(tree, "search", pattern=r"^line 4\d?$", glob="src/*.py")
    assert out.text.splitlines()[:2] == ["src/app.py:4: line 4", "src/app.py:40: line 40"]
    assert len(out.text.splitlines()) == 11


def test_search_caps_matches_and_says_how_to_narrow(tree: Path) -> None:
    out = call(tree, "search", pattern="line")
    assert "(showing 200 of 500 matches; narrow with glob or path)" in out.text


def test_search_reports_a_bad_regex(tree: Path) -> None:
    out = call(tree, "search", pattern="(unclosed")
    assert out.is_error and "invalid regular expression" in out.text


def test_search_does_not_follow_symlinks_out(tree: Path) -> None:
    (tree / "leak.txt").symlink_to(tree.parent / "secret.txt")
    assert call(tree, "search", pattern="outside").text == "no matches"


def test_bad_arguments_and_unknown_tools_go_back_as_errors(tree: Path) -> None:
    missing = call(tree, "view_file")
    assert missing.is_error and "path: Field required" in missing.text
    extra = call(tree, "view_file", path="README.md", mode="rw")
    assert extra.is_error and "mode" in extra.text
    unknown = call(tree, "delete_everything")
    assert unknown.is_error and "unknown tool 'delete_everything'" in unknown.text


def test_read_only_set_has_no_tool_that_writes(tree: Path) -> None:
    names = {tool.name for tool in read_only_tools(ConfinedRoot(tree))}
    assert names == {"view_file", "list_files", "search"}


def test_submit_validates_against_the_agents_output_model(tree: Path) -> None:
    from harness.tools import toolbox_for

    class Plan(BaseModel):
        steps: list[str]

    box = toolbox_for([], Plan)
    bad = box.call(ToolCall(id="1", name="submit", arguments={"steps": "one"}))
    assert bad.is_error and "steps" in bad.text and bad.final is None
    good = box.call(ToolCall(id="2", name="submit", arguments={"steps": ["one"]}))
    assert good.final == Plan(steps=["one"])


def test_command_output_is_trimmed_in_the_middle_with_a_way_to_see_more() -> None:
    from harness.tools.command import describe_result
    from sandboxes.base import ExecResult

    lines = "\n".join(f"line {n}" for n in range(5000))
    text = describe_result(ExecResult(exit_code=1, stdout=lines, stderr="boom"), limit=2000)
    assert text.startswith("exit code 1\nstdout:\nline 0\n")
    assert text.endswith("stderr:\nboom")
    assert "characters omitted. Re-run the command piped through grep, head, tail" in text
    assert len(text) < 2200
    timed = describe_result(ExecResult(exit_code=-1, stdout="", stderr="", timed_out=True))
    assert timed == "exit code -1 (timed out and was killed)"


@pytest.mark.timeout(20)
def test_fifo_planted_in_the_worktree_is_refused_instead_of_blocking(tree: Path) -> None:
    os.mkfifo(tree / "pipe")
    cases: list[tuple[str, dict[str, object]]] = [
        ("view_file", {"path": "pipe"}),
        ("edit_file", {"path": "pipe", "old_string": "a", "new_string": "b"}),
        ("create_file", {"path": "pipe", "content": "x", "overwrite": True}),
    ]
    for name, args in cases:
        out = call(tree, name, **args)
        assert out.is_error and "not a regular file" in out.text, (name, out.text)
    assert "pipe" not in call(tree, "list_files").text
    assert call(tree, "search", pattern="anything").text == "no matches"


def test_paths_and_text_the_os_cannot_take_are_tool_errors(tree: Path) -> None:
    nul = call(tree, "view_file", path="src/\x00app.py")
    assert nul.is_error and "NUL" in nul.text
    too_long = call(tree, "create_file", path="x" * 5000, content="y")
    assert too_long.is_error and "create_file failed" in too_long.text
    surrogate = call(tree, "create_file", path="s.txt", content="bad \ud800 text")
    assert surrogate.is_error and "create_file failed" in surrogate.text
