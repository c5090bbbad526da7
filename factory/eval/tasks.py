"""An eval task, SWE-bench's fields, and its JSONL form.

A task is a past change of the repository, split in two: `patch` (the fix, which the agents
must find again) and `test_patch` (the tests that came with it, hidden from the agents and
applied afterwards). `FAIL_TO_PASS` are the tests that fail at `base_commit` with the test
patch applied and pass with the fix too; `PASS_TO_PASS` pass in both. In SWE-bench's own
files those two are JSON-encoded lists inside a string; import accepts a list or that string,
export writes real JSON lists (docs/eval.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from factory.support.errors import FactoryError

Evidence = Literal["issue", "pull_request", "commit_message", "imported"]
"""Where the problem statement came from. A commit message was written by someone who
already had the fix: weaker evidence of how the problem looked than an issue or a PR."""
REQUIRED_FIELDS = (
    "instance_id",
    "base_commit",
    "patch",
    "test_patch",
    "problem_statement",
    "FAIL_TO_PASS",
)
MAX_LINE_CHARS = 5_000_000


class EvalInputError(FactoryError, ValueError):
    """A task file or task set cannot be used; the message names the file and line."""

    code = "bad_input"


class EvalTask(BaseModel):
    """One task. Field names are SWE-bench's, so its datasets (and ours) load both ways."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    instance_id: str = Field(min_length=1, max_length=300, pattern=r"^[A-Za-z0-9_.:/@#+-]+$")
    repo: str = ""
    base_commit: str = Field(pattern=r"^[0-9a-fA-F]{7,64}$")
    patch: str
    test_patch: str = Field(min_length=1)
    problem_statement: str = Field(min_length=1)
    FAIL_TO_PASS: list[str] = Field(min_length=1)
    PASS_TO_PASS: list[str] = Field(default_factory=list)
    evidence: Evidence = "imported"
    """Not a SWE-bench field: ours, written on export, optional on import."""

    @field_validator("FAIL_TO_PASS", "PASS_TO_PASS", mode="before")
    @classmethod
    def _list_or_json_string(cls, value: Any) -> Any:
        # SWE-bench's files hold these lists as JSON text inside a string.
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as error:
                raise ValueError(
                    f"a JSON-encoded list of test ids was expected ({error})"
                ) from None
        return value

    def jsonl_line(self) -> str:
        """One line of our JSONL: SWE-bench's fields, the two test lists as real JSON lists."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)


def read_tasks(path: Path) -> list[EvalTask]:
    """Every task of a JSONL file; the first bad line is an error naming its number."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalInputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise EvalInputError(f"{path}: cannot be read ({error})") from None
    tasks = list(_parse_lines(path, text.splitlines()))
    if not tasks:
        raise EvalInputError(f"{path}: no tasks in it (one JSON object per line is expected)")
    seen: set[str] = set()
    for number, task in tasks:
        if task.instance_id in seen:
            raise EvalInputError(f"{path}:{number}: instance_id {task.instance_id!r} repeats")
        seen.add(task.instance_id)
    return [task for _number, task in tasks]


def _parse_lines(path: Path, lines: Iterable[str]) -> Iterator[tuple[int, EvalTask]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            raise EvalInputError(f"{path}:{number}: line longer than {MAX_LINE_CHARS} characters")
        try:
            data = json.loads(line)
        except ValueError as error:
            raise EvalInputError(f"{path}:{number}: not valid JSON ({error})") from None
        if not isinstance(data, dict):
            raise EvalInputError(f"{path}:{number}: a JSON object is expected")
        missing = [name for name in REQUIRED_FIELDS if name not in data]
        if missing:
            raise EvalInputError(f"{path}:{number}: missing field {', '.join(missing)}")
        try:
            yield number, EvalTask.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise EvalInputError(f"{path}:{number}: {where}: {first['msg']}") from None


def write_tasks(tasks: Iterable[EvalTask], path: Path) -> int:
    """Write JSONL (atomically); returns how many tasks were written."""
    lines = [task.jsonl_line() for task in tasks]
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    scratch.replace(path)
    return len(lines)
