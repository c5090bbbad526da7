"""Fuzzing tool-argument parsing: whatever a model sends as a tool call, the harness answers
with a tool result (an error the model can read), never an exception, and nothing outside the
worktree changes.

The calls go through the same path as a real reply: the provider's wire parsing (OpenAI's
argument text, Anthropic's `input` value) into `ToolCall`, then `Toolbox.call` on real files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import harness.anthropic_model as anthropic_model
import harness.openai_model as openai_model
from harness.messages import ToolCall
from harness.tools import ConfinedRoot, Toolbox, read_only_tools
from harness.tools.base import ToolOutput
from harness.tools.finish import FinishTool
from harness.tools.writing import CreateFile, EditFile

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TOOL_NAMES = ["view_file", "list_files", "search", "edit_file", "create_file", "submit"]
ARGUMENT_NAMES = [
    "path",
    "start_line",
    "end_line",
    "pattern",
    "glob",
    "ignore_case",
    "old_string",
    "new_string",
    "content",
    "overwrite",
    "summary",
]
texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["../outside.txt", "/etc/passwd", "src/../../outside.txt", "a\0b", "", ".", "((", "[z-a]"]
    ),
    st.text(st.characters(codec="utf-8"), max_size=10).map(lambda t: "src/" + t),
)
values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=True),
        texts,
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=6,
)
arguments = st.dictionaries(st.one_of(st.sampled_from(ARGUMENT_NAMES), texts), values, max_size=5)
names = st.one_of(st.sampled_from(TOOL_NAMES), st.text(max_size=12))


class Submission(BaseModel):
    summary: str


def _toolbox(root: Path) -> Toolbox:
    worktree = ConfinedRoot(root)
    tools = [*read_only_tools(worktree), EditFile(worktree), CreateFile(worktree)]
    return Toolbox([*tools, FinishTool(Submission)])


def _world(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "work"
    if not root.exists():
        (root / "src").mkdir(parents=True)
        (root / "src" / "app.py").write_text("print('hello')\n")
        (tmp_path / "outside.txt").write_text("untouchable\n")
    return root, tmp_path / "outside.txt"


def _answer(root: Path, outside: Path, call: ToolCall) -> None:
    result = _toolbox(root).call(call)
    assert isinstance(result, ToolOutput)
    assert isinstance(result.text, str)
    assert outside.read_text() == "untouchable\n"
    assert sorted(p.name for p in outside.parent.iterdir()) == ["outside.txt", "work"]


@FUZZ
@given(name=names, args=arguments)
def test_any_arguments_become_a_tool_result(
    tmp_path: Path, name: str, args: dict[str, Any]
) -> None:
    root, outside = _world(tmp_path)
    _answer(root, outside, ToolCall(id="c1", name=name, arguments=args))


@FUZZ
@given(name=names, text=st.one_of(st.text(max_size=80), arguments.map(json.dumps)))
def test_any_openai_argument_text_becomes_a_tool_result(
    tmp_path: Path, name: str, text: str
) -> None:
    root, outside = _world(tmp_path)
    body = {
        "choices": [
            {
                "message": {
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": name, "arguments": text},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "model": "m",
    }
    reply = openai_model.parse_response(body)
    assert len(reply.tool_calls) == 1
    _answer(root, outside, reply.tool_calls[0])


@FUZZ
@given(name=names, value=values)
def test_any_anthropic_input_value_becomes_a_tool_result(
    tmp_path: Path, name: str, value: Any
) -> None:
    root, outside = _world(tmp_path)
    body = {
        "content": [{"type": "tool_use", "id": "c1", "name": name, "input": value}],
        "model": "m",
        "stop_reason": "tool_use",
    }
    reply = anthropic_model.parse_response(body)
    assert len(reply.tool_calls) == 1
    _answer(root, outside, reply.tool_calls[0])
