import pytest

from policies.globs import glob_problem, matching_paths, path_matches


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("src/app.py", "*.py", True),
        ("src/deep/app.py", "src/*.py", False),
        ("src/deep/app.py", "src/**/*.py", True),
        ("src/app.py", "src/**/*.py", True),
        (".github/workflows/ci.yml", ".github/workflows/**", True),
        (".github/workflowsx/ci.yml", ".github/workflows/**", False),
        ("docs/guide/intro.md", "docs/", True),
        ("src/docs/intro.md", "/docs/", False),
        ("src/docs/intro.md", "docs/", True),  # no slash inside: matches at any depth
        ("CODEOWNERS", "CODEOWNERS", True),
        (".github/CODEOWNERS", "CODEOWNERS", True),
        ("factory.toml", "/factory.toml", True),
        ("sub/factory.toml", "/factory.toml", False),
        (".factory/policies/x.py", "/.factory/", True),
        ("requirements-dev.txt", "requirements*.txt", True),
        ("a/b.lock", "*.lock", True),
        ("file1.txt", "file[0-9].txt", True),
        ("filex.txt", "file[!x].txt", False),
        ("anything/at/all", "/", True),
        ("a+b(c).py", "a+b(c).py", True),
    ],
)
def test_glob_follows_gitignore_meaning(path: str, pattern: str, expected: bool) -> None:
    assert path_matches(path, pattern) is expected


def test_matching_paths_keeps_order_and_drops_repeats() -> None:
    paths = ["b.lock", "src/a.py", "b.lock", "c.lock"]
    assert matching_paths(paths, ["*.lock"]) == ["b.lock", "c.lock"]


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("", "empty pattern"),
        ("   ", "empty pattern"),
        ("src/[z-a].py", "not a valid glob"),
    ],
)
def test_a_glob_that_cannot_mean_what_it_says_is_refused(pattern: str, problem: str) -> None:
    found = glob_problem(pattern)
    assert found is not None and problem in found


@pytest.mark.parametrize("pattern", ["**", "/", "docs/", "*.lock", "src/[a-c]*.py"])
def test_usable_globs_have_no_problem(pattern: str) -> None:
    assert glob_problem(pattern) is None
