"""The one rule that splits a change into code and tests."""

import pytest

from factory.eval.test_files import is_test_file


@pytest.mark.parametrize(
    "path",
    [
        "tests/test_words.py",
        "tests/fixtures/data.json",
        "src/pkg/tests/helpers.py",
        "calc/test_ops.py",
        "calc/ops_test.py",
        "shapes/tests.py",
        "conftest.py",
        "test/unit/thing.go",
        "pkg/thing_test.go",
        "web/app.test.tsx",
        "web/app.spec.js",
        "lib/thing_spec.rb",
    ],
)
def test_test_files(path: str) -> None:
    assert is_test_file(path)


@pytest.mark.parametrize(
    "path",
    ["calc/ops.py", "contest.py", "latest.py", "attestation/sign.py", "docs/testing.md", "README"],
)
def test_code_files(path: str) -> None:
    assert not is_test_file(path)
