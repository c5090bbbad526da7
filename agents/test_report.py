"""What a test run says, compared with the same suite on the base commit.

A `TestReport` is built from JUnit XML where the runner writes it (pytest `--junitxml`) and
from the exit code otherwise. Comparing it with the baseline (the suite on the base commit,
cached per base sha) separates what the change broke from what was already broken.
"""

import contextlib
import hashlib
import json
import os
import re
import shlex
import stat
import tomllib
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sandboxes.base import Sandbox

Outcome = Literal["passed", "failed", "error", "skipped"]
OUTPUT_CAP = 4_000
"""Characters of failure output kept per test: enough to fix it, small enough for a prompt."""
MAX_JUNIT_BYTES = 20_000_000
REPORT_DIR = ".factory-reports"
"""Inside the worktree, excluded from commits by the clone's info/exclude."""
JUNIT_NAME = "junit.xml"
JUNIT_FILE = f"{REPORT_DIR}/{JUNIT_NAME}"


class TestCase(BaseModel):
    """One test and how it ended. `id` is `classname::name`, stable between runs."""

    __test__: ClassVar[bool] = False  # a pydantic model, not a pytest test class
    model_config = ConfigDict(frozen=True)

    id: str
    outcome: Outcome
    output: str = ""


class TestReport(BaseModel):
    """The after run, its counts and per-test outcomes, and the comparison with the baseline."""

    __test__: ClassVar[bool] = False
    model_config = ConfigDict(frozen=True)

    command: str
    exit_code: int
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    cases: list[TestCase] = Field(default_factory=list)
    structured: bool = False
    """True when per-test outcomes came from JUnit XML, False when only the exit code is known."""
    output_tail: str = ""
    """The end of the runner's output, for failures no JUnit file explains."""
    baseline_sha: str | None = None
    newly_failing: list[str] = Field(default_factory=list)
    """Failing now, passing (or absent) on the base commit: what the change broke."""
    fixed: list[str] = Field(default_factory=list)
    """Failing on the base commit, passing now."""
    still_failing: list[str] = Field(default_factory=list)
    """Failing on both: not this change's doing, but not fixed either."""
    failure_output: dict[str, str] = Field(default_factory=dict)
    """Output of each failing test, capped."""

    @property
    def failing_ids(self) -> list[str]:
        return [case.id for case in self.cases if case.outcome in ("failed", "error")]

    @property
    def green(self) -> bool:
        """No new failures (the gate's `tests_green` rule): exit 0, or every failure was
        already failing on the base commit."""
        if self.newly_failing:
            return False
        if self.exit_code == 0:
            return True
        failing = set(self.failing_ids)
        return bool(failing) and failing <= set(self.still_failing)

    def summary_text(self) -> str:
        counts = (
            f"{self.passed} passed, {self.failed} failed, {self.errors} errors, "
            f"{self.skipped} skipped"
            if self.structured
            else f"exit code {self.exit_code} (no per-test report)"
        )
        as_on_base = self.green and self.exit_code != 0
        delta = [
            f"{len(items)} {label}"
            for label, items in (
                ("newly failing", self.newly_failing),
                ("fixed", self.fixed),
                ("still failing", [] if as_on_base else self.still_failing),
            )
            if items
        ]
        return f"{self.verdict()}: {counts}" + (f" ({', '.join(delta)})" if delta else "")

    def verdict(self) -> str:
        """One word for one meaning: `green` only when nothing fails; `no new failures (N
        failing as on base)` when every failure was already there (green by the gate's rule,
        said as what it is); `red` when the change broke something."""
        if not self.green:
            return "red"
        if self.exit_code == 0:
            return "green"
        return f"no new failures ({len(set(self.failing_ids))} failing as on base)"

    def feedback(self) -> str:
        """What the coder needs to fix, most important first."""
        lines = [f"Tests are {self.summary_text()} for `{self.command}`."]
        for title, ids in (
            ("Newly failing (caused by this change)", self.newly_failing),
            ("Still failing (already failing on the base branch)", self.still_failing),
        ):
            if ids:
                lines.append(f"\n## {title}")
                for test_id in ids:
                    lines.append(
                        f"\n### {test_id}\n```\n{self.failure_output.get(test_id, '')}\n```"
                    )
        if not self.structured and self.exit_code != 0:
            lines.append(f"\n## Runner output (tail)\n```\n{self.output_tail}\n```")
        return "\n".join(lines)


def parse_junit_xml(text: str | bytes) -> list[TestCase]:
    """Per-test outcomes from JUnit XML (pytest, and most runners' JUnit reporters)."""
    if len(text) > MAX_JUNIT_BYTES:
        raise ValueError(f"JUnit report larger than {MAX_JUNIT_BYTES} bytes; refusing to parse")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise ValueError(f"JUnit report is not valid XML: {error}") from error
    cases: list[TestCase] = []
    for element in root.iter("testcase"):
        classname = element.get("classname", "")
        name = element.get("name", "?")
        test_id = f"{classname}::{name}" if classname else name
        outcome: Outcome = "passed"
        output = ""
        for child in element:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "error"
                message = child.get("message", "")
                output = f"{message}\n{child.text or ''}".strip()
                break
            if child.tag == "skipped":
                outcome = "skipped"
        cases.append(TestCase(id=test_id, outcome=outcome, output=_cap(output)))
    return cases


def build_report(
    *, command: str, exit_code: int, output: str, junit_xml: str | bytes | None
) -> TestReport:
    """A report from one run: per-test when JUnit XML is there, exit code only otherwise."""
    cases = parse_junit_xml(junit_xml) if junit_xml else []

    def count(outcome: Outcome) -> int:
        return sum(case.outcome == outcome for case in cases)

    return TestReport(
        command=command,
        exit_code=exit_code,
        passed=count("passed"),
        failed=count("failed"),
        errors=count("error"),
        skipped=count("skipped"),
        cases=cases,
        structured=junit_xml is not None and bool(junit_xml),
        output_tail=output[-OUTPUT_CAP:],
    )


def compare(
    after: TestReport, baseline: TestReport | None, baseline_sha: str | None = None
) -> TestReport:
    """`after` with newly failing / fixed / still failing filled in against `baseline`."""
    failing_now = after.failing_ids
    outputs = {case.id: case.output for case in after.cases if case.id in set(failing_now)}
    if baseline is None or not baseline.structured:
        return after.model_copy(
            update={
                "newly_failing": failing_now,
                "fixed": [],
                "still_failing": [],
                "failure_output": outputs,
                "baseline_sha": baseline_sha,
            }
        )
    failing_before = set(baseline.failing_ids)
    passing_now = {case.id for case in after.cases if case.outcome == "passed"}
    return after.model_copy(
        update={
            "newly_failing": [test for test in failing_now if test not in failing_before],
            "still_failing": [test for test in failing_now if test in failing_before],
            "fixed": sorted(failing_before & passing_now),
            "failure_output": outputs,
            "baseline_sha": baseline_sha,
        }
    )


def fails_to_run(after: TestReport, baseline: TestReport | None) -> bool:
    """True when the test command fails the same way on the base commit and on the change,
    without any test failing on its own: the command itself cannot run (`python: not found`,
    `false`, a missing file), and no change by the coder can make it pass."""
    if baseline is None:
        return False
    return all(
        report.exit_code != 0 and not report.failing_ids for report in (after, baseline)
    ) and (after.exit_code, _shape(after.output_tail)) == (
        baseline.exit_code,
        _shape(baseline.output_tail),
    )


def _shape(output: str) -> str:
    """Output with numbers (timings, counts, line numbers) blanked, to compare two runs."""
    return re.sub(r"\d+(\.\d+)?", "N", output).strip()


class BaselineCache:
    """Baseline reports as JSON files keyed by base sha and test command, under the data dir."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha: str, command: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{7,64}", sha):
            raise ValueError(f"{sha!r} is not a commit sha")
        digest = hashlib.sha256(command.encode()).hexdigest()[:12]
        return self.root / f"{sha}-{digest}.json"

    def get(self, sha: str, command: str) -> TestReport | None:
        path = self._path(sha, command)
        try:
            return TestReport.model_validate_json(path.read_text())
        except (FileNotFoundError, ValidationError, json.JSONDecodeError):
            return None  # a missing or unreadable entry just means the baseline runs again

    def put(self, sha: str, report: TestReport) -> None:
        path = self._path(sha, report.command)
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(".tmp")
        scratch.write_text(report.model_dump_json())
        scratch.replace(path)  # atomic: a concurrent reader sees the old file or the new one


def with_junit_output(command: str, junit_path: str) -> str:
    """The command with a JUnit XML flag added when the runner is pytest (others unchanged)."""
    words = shlex.split(command)
    is_pytest = "pytest" in words[:1] or words[:3] in (
        ["python", "-m", "pytest"],
        ["python3", "-m", "pytest"],
    )
    if not is_pytest or any(word.startswith("--junitxml") for word in words):
        return command
    return f"{command} --junitxml={shlex.quote(junit_path)}"


def run_test_suite(
    sandbox: Sandbox, worktree: Path, command: str, *, timeout: float | None = None
) -> TestReport:
    """Run `command` in the sandbox (worktree at /workspace) and report, per test when possible."""
    _prepare_report_dir(worktree)
    result = sandbox.exec(
        ["sh", "-c", with_junit_output(command, f"/workspace/{JUNIT_FILE}")], timeout=timeout
    )
    junit = _read_report(worktree)
    try:
        return build_report(
            command=command,
            exit_code=result.exit_code,
            output=result.stdout + result.stderr,
            junit_xml=junit,
        )
    except ValueError:
        # A runner that died mid-write leaves broken XML: fall back to the exit code.
        return build_report(
            command=command,
            exit_code=result.exit_code,
            output=result.stdout + result.stderr,
            junit_xml=None,
        )


_NOFOLLOW_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def _prepare_report_dir(worktree: Path) -> None:
    """An empty report folder the sandbox may write to.

    Commands in the sandbox own the worktree: one may have put a symlink where the folder
    goes, so that the host would chmod, empty or read a folder of its choosing. The folder
    is never followed: a planted link or file is removed, and the folder is then used only
    through a descriptor opened without following links."""
    folder = worktree / REPORT_DIR
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        folder.unlink()
    folder.mkdir(exist_ok=True)
    try:
        descriptor = os.open(folder, _NOFOLLOW_DIR)
    except OSError:
        return  # replaced by a link meanwhile: `_read_report` will not follow it either
    try:
        os.fchmod(descriptor, 0o777)  # the sandbox's non-root uid writes here
        with contextlib.suppress(FileNotFoundError):
            os.unlink(JUNIT_NAME, dir_fd=descriptor)
    finally:
        os.close(descriptor)


def _read_report(worktree: Path) -> bytes | None:
    """The JUnit XML the run left, if it is a regular file in the real report folder (a link,
    a FIFO or a device put there by the tests is not read)."""
    try:
        folder = os.open(worktree / REPORT_DIR, _NOFOLLOW_DIR)
    except OSError:
        return None
    try:
        descriptor = os.open(JUNIT_NAME, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    except OSError:
        return None
    finally:
        os.close(folder)
    with os.fdopen(descriptor, "rb") as report:
        if not stat.S_ISREG(os.fstat(report.fileno()).st_mode):
            return None
        return report.read(MAX_JUNIT_BYTES + 1)


def detect_test_command(worktree: Path) -> str | None:
    """The repository's test command by convention: pytest, npm test, go test, cargo test, make.

    Only the worktree's own files are read: a symlink (which a sandboxed command may have
    pointed at any file of the host) is not followed."""
    if _uses_pytest(worktree):
        return "python3 -m pytest -q"
    package = worktree / "package.json"
    if _own_file(package):
        try:
            script = json.loads(package.read_text()).get("scripts", {}).get("test", "")
        except (json.JSONDecodeError, AttributeError):
            script = ""
        if script and "no test specified" not in script:
            return "npm test"
    if _own_file(worktree / "go.mod"):
        return "go test ./..."
    if _own_file(worktree / "Cargo.toml"):
        return "cargo test"
    for name in ("Makefile", "makefile", "GNUmakefile"):
        makefile = worktree / name
        if _own_file(makefile) and re.search(
            r"^test\s*:", makefile.read_text(errors="replace"), re.M
        ):
            return "make test"
    return None


def _uses_pytest(worktree: Path) -> bool:
    if _own_file(worktree / "pytest.ini") or _own_file(worktree / "conftest.py"):
        return True
    pyproject = worktree / "pyproject.toml"
    if _own_file(pyproject):
        try:
            data = tomllib.loads(pyproject.read_text())
        except tomllib.TOMLDecodeError:
            data = {}
        if "pytest" in data.get("tool", {}):
            return True
    for config, section in (("setup.cfg", "[tool:pytest]"), ("tox.ini", "[pytest]")):
        path = worktree / config
        if _own_file(path) and section in path.read_text(errors="replace"):
            return True
    tests = [worktree / "tests", worktree / "test"]
    return any(_own_dir(folder) and any(folder.rglob("test_*.py")) for folder in tests) or any(
        worktree.glob("test_*.py")
    )


def _own_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _own_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _cap(text: str) -> str:
    if len(text) <= OUTPUT_CAP:
        return text
    half = OUTPUT_CAP // 2
    return f"{text[:half]}\n... [{len(text) - OUTPUT_CAP} characters elided] ...\n{text[-half:]}"
