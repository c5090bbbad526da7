"""A change that deletes tests, removes assertions or skips tests needs a human.

`tests_green` trusts the suite; an agent that cannot make a test pass could delete it, drop its
assertions or mark it skipped, and the suite would be green. This policy reads the diff of the
test files: a deleted test file, fewer assertions or test definitions than before, or a new
skip or expected-failure marker is a question for a person.
"""

import re

from pydantic import BaseModel, ConfigDict, Field

from policies.globs import Glob, path_matches
from policies.models import FileChange, GateContext, Outcome, Verdict

NAME = "tests_kept"

DEFAULT_TEST_GLOBS = [
    "test/",
    "tests/",
    "spec/",
    "__tests__/",
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "*_test.go",
    "*.test.js",
    "*.test.ts",
    "*.spec.js",
    "*.spec.ts",
    "*Test.java",
    "*_spec.rb",
]
CHECKS = re.compile(
    r"\bassert|\bexpect\s*\(|\bshould\b|\bdef test_?|\bfunc Test|\b(?:it|test|describe)\s*\(|"
    r"@Test\b|\bself\.assert|\bt\.(?:Error|Fatal|Fail)"
)
"""A line that checks something or defines a test, in the common frameworks."""
SKIPS = re.compile(
    r"pytest\.mark\.(?:skip|xfail)|pytest\.(?:skip|xfail)\(|unittest\.skip|@skip|"
    r"\b(?:it|test|describe)\.(?:skip|todo)\b|\bx(?:it|describe|test)\s*\(|\bt\.Skip|@Disabled|@Ignore"
)
"""A line that skips a test or expects it to fail."""


class TestsKeptParams(BaseModel):
    __test__ = False  # a pydantic model, not a pytest test class
    model_config = ConfigDict(extra="forbid")

    extra_globs: list[Glob] = Field(default_factory=list)
    """More test paths for this repository, added to the built-in list."""


def _is_test(path: str, globs: list[str]) -> bool:
    return any(path_matches(path, pattern) for pattern in globs)


def weakened(change: FileChange) -> list[str]:
    """What this change to a test file takes away, as phrases (empty when nothing)."""
    if change.status == "deleted":
        return [f"deletes {change.path}"]
    found = []
    removed = sum(1 for line in change.removed_lines if CHECKS.search(line))
    added = sum(1 for line in change.added_lines if CHECKS.search(line))
    if removed > added:
        found.append(f"removes {removed - added} assertion or test line(s) from {change.path}")
    skips = sum(1 for line in change.added_lines if SKIPS.search(line)) - sum(
        1 for line in change.removed_lines if SKIPS.search(line)
    )
    if skips > 0:
        found.append(f"adds {skips} skip or expected-failure marker(s) in {change.path}")
    return found


def evaluate(ctx: GateContext, params: TestsKeptParams) -> Verdict:
    globs = [*DEFAULT_TEST_GLOBS, *params.extra_globs]
    problems = []
    for change in ctx.diff.files:
        if _is_test(change.path, globs) or (change.old_path and _is_test(change.old_path, globs)):
            if change.status == "renamed" and not _is_test(change.path, globs):
                problems.append(f"moves {change.old_path} out of the tests")
            else:
                problems.extend(weakened(change))
    if problems:
        return Verdict(outcome=Outcome.NEEDS_HUMAN, reasons=problems)
    return Verdict(outcome=Outcome.ALLOW, reasons=["no test deleted, weakened or skipped"])


PARAMS = TestsKeptParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
