"""Validating a candidate in the sandbox: the tests on base + test_patch, then + patch.

Both states run in one sandbox started from the repository's setup image, on a throwaway
checkout of the base commit; the suite runs `repeats` times in each state. A test whose
outcome differs between repeats of the same state is flaky, and one flaky test drops the
candidate: a task must say the same thing every time it is judged. The same
`agents.test_report.run_test_suite` the tester node uses runs the suite, so a task's test
ids are the ids a run's reports carry (JUnit XML `classname::name`).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from pydantic import BaseModel, Field

from agents.test_report import TestReport, run_test_suite
from factory.config import FactoryConfig, RepoConfig
from factory.git.command import GitError, factory_git, run_git
from factory.git.worktree import detached_checkout
from sandboxes.docker_sandbox import DockerSandbox
from sandboxes.errors import SetupFailed
from sandboxes.setup_cache import prepare_setup_image


class ValidationResult(BaseModel):
    fail_to_pass: list[str] = Field(default_factory=list)
    pass_to_pass: list[str] = Field(default_factory=list)
    dropped: str | None = None
    test_runs: int = 0


def apply_patch(checkout: Path, patch: str, *, trusted: list[Path]) -> None:
    """`git apply` the patch to the working tree (GitError when it does not apply)."""
    if not patch.strip():
        return
    scratch = checkout.parent / f".{checkout.name}.{uuid.uuid4().hex[:8]}.patch"
    scratch.write_text(patch, encoding="utf-8")
    try:
        run_git(
            factory_git(checkout, trusted=trusted),
            "apply",
            "--binary",
            "--whitespace=nowarn",
            str(scratch),
            action="apply the patch",
        )
    finally:
        scratch.unlink(missing_ok=True)


def outcomes(report: TestReport) -> dict[str, str]:
    return {case.id: case.outcome for case in report.cases}


def flaky_tests(reports: list[TestReport]) -> list[str]:
    """Tests whose outcome (or presence) differs between reports of the same state."""
    seen = [outcomes(report) for report in reports]
    ids = sorted(set().union(*seen)) if seen else []
    return [test for test in ids if len({runs.get(test) for runs in seen}) > 1]


def judge_states(before: list[TestReport], after: list[TestReport]) -> ValidationResult:
    """FAIL_TO_PASS and PASS_TO_PASS from the two states' repeated reports, or why not."""
    runs = len(before) + len(after)
    unstructured = [report for report in [*before, *after] if not report.structured]
    if unstructured:
        return ValidationResult(
            dropped=(
                "the test command gave no per-test report (JUnit XML), so no test can be named "
                f"(exit code {unstructured[0].exit_code})"
            ),
            test_runs=runs,
        )
    for state, reports in (("base + test_patch", before), ("base + patch + test_patch", after)):
        flaky = flaky_tests(reports)
        if flaky:
            shown = ", ".join(flaky[:3]) + (f" and {len(flaky) - 3} more" if len(flaky) > 3 else "")
            return ValidationResult(
                dropped=f"flaky: {shown} changed outcome between repeated runs on {state}",
                test_runs=runs,
            )
    was, now = outcomes(before[0]), outcomes(after[0])
    fail_to_pass = sorted(t for t, o in now.items() if o == "passed" and was.get(t) != "passed")
    pass_to_pass = sorted(t for t, o in now.items() if o == "passed" and was.get(t) == "passed")
    if not fail_to_pass:
        return ValidationResult(
            dropped="no test fails without the fix and passes with it", test_runs=runs
        )
    return ValidationResult(fail_to_pass=fail_to_pass, pass_to_pass=pass_to_pass, test_runs=runs)


def validate_candidate(
    config: FactoryConfig,
    repo: RepoConfig,
    clone: Path,
    *,
    base_commit: str,
    patch: str,
    test_patch: str,
    repeats: int,
    label: str,
) -> ValidationResult:
    """Run the suite `repeats` times on base + test_patch and on base + patch + test_patch."""
    run_id = f"m-{uuid.uuid4().hex[:10]}"
    path = config.factory.data_dir / "eval-checkouts" / run_id
    path.parent.mkdir(parents=True, exist_ok=True)
    timeout = config.sandbox.command_timeout_s
    try:
        with detached_checkout(clone, base_commit, path):
            try:
                image = prepare_setup_image(config.sandbox, path, repo.setup, run_id=run_id).image
            except SetupFailed as error:
                return ValidationResult(dropped=f"setup failed: {str(error).splitlines()[0]}")
            with DockerSandbox(
                config.sandbox, worktree=path, run_id=run_id, role="eval", image=image
            ) as sandbox:
                try:
                    apply_patch(path, test_patch, trusted=[clone])
                except GitError as error:
                    return ValidationResult(dropped=f"test_patch does not apply: {error}")
                before = [
                    run_test_suite(sandbox, path, repo.test_command, timeout=timeout)
                    for _ in range(repeats)
                ]
                try:
                    apply_patch(path, patch, trusted=[clone])
                except GitError as error:
                    return ValidationResult(dropped=f"patch does not apply: {error}")
                _forget_bytecode(path)
                after = [
                    run_test_suite(sandbox, path, repo.test_command, timeout=timeout)
                    for _ in range(repeats)
                ]
    except GitError as error:
        return ValidationResult(dropped=f"base commit cannot be checked out: {error}")
    return judge_states(before, after)


def _forget_bytecode(path: Path) -> None:
    """Remove the bytecode the first state's runs compiled. Python trusts a `.pyc` whose
    source has the same size and modification second, so a fix of the same size applied
    within that second (`a - b` to `a + b`) would run as the old code and the task be dropped."""
    for cache in list(path.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
