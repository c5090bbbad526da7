"""Tasks as JSONL: SWE-bench's field names both ways, and one clear line per bad input."""

import json
from pathlib import Path

import pytest

from factory.eval.tasks import EvalInputError, EvalTask, read_tasks, write_tasks

TASK = {
    "instance_id": "calc__0123456789ab",
    "repo": "calc",
    "base_commit": "0123456789abcdef0123456789abcdef01234567",
    "patch": "diff --git a/calc/ops.py b/calc/ops.py\n",
    "test_patch": "diff --git a/calc/test_ops.py b/calc/test_ops.py\n",
    "problem_statement": "add subtracts",
    "FAIL_TO_PASS": ["calc.test_ops::test_add"],
    "PASS_TO_PASS": ["calc.test_ops::test_mul"],
}


def write_lines(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_the_test_lists_load_from_a_list_and_from_swe_benchs_json_string(tmp_path: Path) -> None:
    as_string = {
        **TASK,
        "instance_id": "other__1",
        "FAIL_TO_PASS": '["a::b"]',
        "PASS_TO_PASS": "[]",
    }
    tasks = read_tasks(write_lines(tmp_path / "t.jsonl", json.dumps(TASK), json.dumps(as_string)))
    assert tasks[0].FAIL_TO_PASS == ["calc.test_ops::test_add"]
    assert tasks[1].FAIL_TO_PASS == ["a::b"] and tasks[1].PASS_TO_PASS == []
    assert tasks[1].evidence == "imported"


def test_export_writes_real_lists_and_reads_back_the_same_tasks(tmp_path: Path) -> None:
    task = EvalTask.model_validate({**TASK, "evidence": "commit_message"})
    path = tmp_path / "out.jsonl"
    assert write_tasks([task], path) == 1
    line = json.loads(path.read_text())
    assert line["FAIL_TO_PASS"] == ["calc.test_ops::test_add"]
    assert set(TASK) <= set(line)
    assert read_tasks(path) == [task]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ((), "no tasks in it"),
        (("",), "no tasks in it"),
        ((json.dumps(TASK), "{not json"), ":2: not valid JSON"),
        (("[1, 2]",), ":1: a JSON object is expected"),
        (
            (json.dumps({k: v for k, v in TASK.items() if k != "test_patch"}),),
            ":1: missing field test_patch",
        ),
        (
            (json.dumps({**TASK, "FAIL_TO_PASS": []}),),
            ":1: FAIL_TO_PASS: List should have at least 1",
        ),
        ((json.dumps({**TASK, "base_commit": "main"}),), ":1: base_commit: String should match"),
        ((json.dumps(TASK), json.dumps(TASK)), ":2: instance_id 'calc__0123456789ab' repeats"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_line(
    tmp_path: Path, lines: tuple[str, ...], message: str
) -> None:
    path = write_lines(tmp_path / "bad.jsonl", *lines)
    with pytest.raises(EvalInputError) as raised:
        read_tasks(path)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(EvalInputError, match="no such file"):
        read_tasks(tmp_path / "absent.jsonl")
