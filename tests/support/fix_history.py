"""A generated repository with a real history of fixes and their tests, in three layouts.

Every commit is real git. The base branch's first-parent history, oldest first:
1. the project: `calc/ops.py` with pytest tests beside it (`calc/test_ops.py`), `text/words.py`
   with a `tests/` tree, `shapes/area.py` with unittest tests in `shapes/tests.py`;
2. fix `add` + a test beside the code (a task);
3. fix `title` + a test in the tests/ tree (a task);
4. fix `square` + a unittest test case (a task);
5. README only (not a candidate: no tests);
6. a code change whose new test passes before the change too (no FAIL_TO_PASS: dropped);
7. a code change whose new test fails one time in two (flaky: dropped).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

PYPROJECT = """\
[tool.pytest.ini_options]
python_files = ["test_*.py", "*_test.py", "tests.py"]
"""
OPS_BUGGY = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"
OPS_FIXED = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
WORDS_BUGGY = "def title(text):\n    return text.upper()\n"
WORDS_FIXED = "def title(text):\n    return ' '.join(w[:1].upper() + w[1:] for w in text.split())\n"
ONE = "\n\ndef one():\n    return 1\n"
AREA_BUGGY = "def square(side):\n    return side * 2\n"
AREA_FIXED = "def square(side):\n    return side * side\n"
FLAKY_TEST = """\
from pathlib import Path

from calc.ops import mul


def test_mul_sometimes():
    # Fails one time in two: the toggle lives in the sandbox's /tmp between runs.
    toggle = Path("/tmp/fix-history-toggle")
    flipped = toggle.exists()
    if flipped:
        toggle.unlink()
    else:
        toggle.write_text("x")
    assert flipped and mul(2, 3) == 6
"""


@dataclass
class FixHistory:
    path: Path
    fixes: dict[str, str]
    """commit subject -> sha, for the three real fixes."""


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _commit(repo: Path, files: dict[str, str], subject: str, message: str | None = None) -> str:
    for name, content in files.items():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", message or subject)
    return _git(repo, "rev-parse", "HEAD")


def build_fix_history(repo: Path, messages: dict[str, str] | None = None) -> FixHistory:
    """The history at `repo`; `messages` gives some fixes (by subject) a whole commit message."""
    messages = messages or {}
    repo.mkdir(parents=True)
    _git(repo, "init", "--quiet", "--initial-branch=main")
    _commit(
        repo,
        {
            "pyproject.toml": PYPROJECT,
            "calc/__init__.py": "",
            "calc/ops.py": OPS_BUGGY,
            "calc/test_ops.py": _test("from calc.ops import mul", "test_mul: mul(2, 3) == 6"),
            "text/__init__.py": "",
            "text/words.py": WORDS_BUGGY,
            "tests/__init__.py": "",
            "tests/test_words.py": _test(
                "from text.words import title", "test_empty: title('') == ''"
            ),
            "shapes/__init__.py": "",
            "shapes/area.py": AREA_BUGGY,
            "shapes/tests.py": (
                "import unittest\n\nfrom shapes.area import square\n\n\n"
                "class AreaTest(unittest.TestCase):\n    def test_zero(self):\n"
                "        self.assertEqual(square(0), 0)\n"
            ),
            "README.md": "# calc\n",
        },
        "Start the project",
    )
    fixes = {}
    subject = "Fix add: it subtracted"
    fixes[subject] = _commit(
        repo,
        {
            "calc/ops.py": OPS_FIXED,
            "calc/test_ops.py": _test(
                "from calc.ops import add, mul",
                "test_mul: mul(2, 3) == 6",
                "test_add: add(2, 3) == 5",
            ),
        },
        subject,
        messages.get(subject),
    )
    subject = "Fix title: capitalise each word"
    fixes[subject] = _commit(
        repo,
        {
            "text/words.py": WORDS_FIXED,
            "tests/test_words.py": _test(
                "from text.words import title",
                "test_empty: title('') == ''",
                "test_words: title('hello world') == 'Hello World'",
            ),
        },
        subject,
        messages.get(subject),
    )
    subject = "Fix square: multiply the side by itself"
    fixes[subject] = _commit(
        repo,
        {
            "shapes/area.py": AREA_FIXED,
            "shapes/tests.py": (
                "import unittest\n\nfrom shapes.area import square\n\n\n"
                "class AreaTest(unittest.TestCase):\n    def test_zero(self):\n"
                "        self.assertEqual(square(0), 0)\n\n    def test_three(self):\n"
                "        self.assertEqual(square(3), 9)\n"
            ),
        },
        subject,
        messages.get(subject),
    )
    _commit(repo, {"README.md": "# calc\n\nSmall helpers.\n"}, "Describe the project")
    _commit(
        repo,
        {
            "calc/ops.py": OPS_FIXED + ONE,
            "tests/test_mul_more.py": _test(
                "from calc.ops import mul", "test_mul_zero: mul(0, 5) == 0"
            ),
        },
        "Add one, and a test of mul that already passed",
    )
    _commit(
        repo,
        {
            "calc/ops.py": OPS_FIXED
            + "\n\ndef one():\n    return 1\n\n\ndef neg(a):\n    return -a\n",
            "calc/test_flaky.py": FLAKY_TEST,
        },
        "Add neg, with a test that flips",
    )
    return FixHistory(path=repo, fixes=fixes)


def _test(imports: str, *bodies: str) -> str:
    """A pytest module: `imports`, then one function per body (`name: assertion`)."""
    functions = []
    for body in bodies:
        name, _, assertion = body.partition(": ")
        functions.append(f"def {name}():\n    assert {assertion}\n")
    return imports + "\n\n\n" + "\n\n".join(functions)


def config_for(root: Path, repo: Path, *, model_url: str | None = None, extra: str = "") -> Path:
    """A factory.toml naming the history as repository `calc`."""
    models = (
        f'[models.default]\nprovider = "openai"\nmodel = "scripted"\nbase_url = "{model_url}"\n\n'
        '[pricing."scripted"]\ninput = 1.0\noutput = 2.0\n\n'
        if model_url
        else ""
    )
    path = root / "factory.toml"
    path.write_text(
        f'[factory]\ndata_dir = "{root / "data"}"\n\n{models}'
        f'[repos.calc]\npath = "{repo}"\nbase_branch = "main"\n'
        'test_command = "python3 -m pytest -q -p no:cacheprovider"\n' + extra
    )
    return path
