"""Which files of a change are tests: the one rule mining splits `patch` from `test_patch` by.

A path is a test file when
- one of its folders is named `tests`, `test`, `testing` or `__tests__` (a tests/ tree,
  however deep, and whatever it holds: fixtures and data travel with their tests); or
- its file name follows a test runner's discovery convention: `test*.py` (unittest's default
  pattern, which covers pytest's `test_*.py`), `*_test.py`, `conftest.py`, Go's `*_test.go`,
  JavaScript's `*.test.*` / `*.spec.*`, Ruby's `*_spec.rb`.
Everything else is code. The rule reads only the path, never the content, so a task's split
is the same on every machine.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

TEST_FOLDERS = frozenset({"tests", "test", "testing", "__tests__"})
_TEST_NAMES = re.compile(
    r"^(test[^/]*\.py|[^/]+_test\.py|conftest\.py|[^/]+_test\.go"
    r"|[^/]+\.(test|spec)\.[cm]?[jt]sx?|[^/]+_spec\.rb)$"
)


def is_test_file(path: str) -> bool:
    """Whether `path` (relative, `/`-separated, as git prints it) is a test file."""
    parts = PurePosixPath(path).parts
    if any(part in TEST_FOLDERS for part in parts[:-1]):
        return True
    return bool(parts) and bool(_TEST_NAMES.match(parts[-1]))
