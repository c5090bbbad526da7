"""Test reports: JUnit parsing, baseline comparison, the baseline cache, command detection."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agents.test_report import (
    BaselineCache,
    build_report,
    compare,
    detect_test_command,
    parse_junit_xml,
    with_junit_output,
)

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="5">
  <testcase classname="tests.test_pager" name="test_first_page" time="0.01"/>
  <testcase classname="tests.test_pager" name="test_last_page" time="0.01">
    <failure message="assert 10 == 11">def test_last_page(): assert 10 == 11</failure>
  </testcase>
  <testcase classname="tests.test_pager" name="test_empty" time="0.0">
    <error message="fixture broke">Traceback ...</error>
  </testcase>
  <testcase classname="tests.test_pager" name="test_slow"><skipped message="slow"/></testcase>
  <testcase classname="tests.test_io" name="test_read"/>
</testsuite></testsuites>
"""


def report_with(outcomes: dict[str, str], exit_code: int) -> str:
    cases = []
    for test_id, outcome in outcomes.items():
        classname, name = test_id.split("::")
        inner = {
            "failed": "<failure message='boom'>trace</failure>",
            "error": "<error message='err'/>",
            "skipped": "<skipped/>",
        }.get(outcome, "")
        cases.append(f'<testcase classname="{classname}" name="{name}">{inner}</testcase>')
    return f"<testsuite>{''.join(cases)}</testsuite>"


def test_junit_outcomes_and_counts() -> None:
    report = build_report(command="pytest", exit_code=1, output="", junit_xml=JUNIT)
    assert (report.passed, report.failed, report.errors, report.skipped) == (2, 1, 1, 1)
    assert report.structured
    failing = {
        case.id: case.output
        for case in report.cases
        if case.outcome != "passed" and case.outcome != "skipped"
    }
    assert failing == {
        "tests.test_pager::test_last_page": (
            "assert 10 == 11\ndef test_last_page(): assert 10 == 11"
        ),
        "tests.test_pager::test_empty": "fixture broke\nTraceback ...",
    }


def test_comparison_separates_newly_failing_fixed_and_still_failing() -> None:
    base = build_report(
        command="pytest",
        exit_code=1,
        output="",
        junit_xml=report_with(
            {"t::a": "passed", "t::b": "failed", "t::c": "failed", "t::d": "passed"}, 1
        ),
    )
    after = build_report(
        command="pytest",
        exit_code=1,
        output="",
        junit_xml=report_with(
            {
                "t::a": "failed",
                "t::b": "passed",
                "t::c": "failed",
                "t::d": "passed",
                "t::e": "error",
            },
            1,
        ),
    )
    result = compare(after, base, baseline_sha="abc1234")
    assert result.newly_failing == ["t::a", "t::e"]
    assert result.fixed == ["t::b"]
    assert result.still_failing == ["t::c"]
    assert result.failure_output["t::a"] == "boom\ntrace"
    assert not result.green
    assert "2 newly failing, 1 fixed, 1 still failing" in result.summary_text()
    assert "### t::a" in result.feedback() and "boom" in result.feedback()


def test_only_preexisting_failures_pass_the_gate_and_say_no_new_failures() -> None:
    base = build_report(
        command="pytest",
        exit_code=1,
        output="",
        junit_xml=report_with({"t::a": "passed", "t::c": "failed"}, 1),
    )
    after = build_report(
        command="pytest",
        exit_code=1,
        output="",
        junit_xml=report_with({"t::a": "passed", "t::c": "failed"}, 1),
    )
    result = compare(after, base)
    assert result.green and result.still_failing == ["t::c"]
    assert result.summary_text() == (
        "no new failures (1 failing as on base): 1 passed, 1 failed, 0 errors, 0 skipped"
    )
    assert "green" not in result.summary_text()


def test_without_a_baseline_every_failure_counts_as_new() -> None:
    after = build_report(
        command="pytest", exit_code=1, output="", junit_xml=report_with({"t::a": "failed"}, 1)
    )
    assert compare(after, None).newly_failing == ["t::a"]


def test_exit_code_only_runners_are_judged_by_exit_code() -> None:
    red = compare(
        build_report(command="go test ./...", exit_code=2, output="FAIL x\n", junit_xml=None), None
    )
    assert not red.green and not red.structured
    assert "exit code 2 (no per-test report)" in red.summary_text()
    assert "FAIL x" in red.feedback()
    assert compare(
        build_report(command="cargo test", exit_code=0, output="", junit_xml=None), None
    ).green


def test_broken_or_huge_junit_is_rejected() -> None:
    with pytest.raises(ValueError, match="not valid XML"):
        parse_junit_xml("<testsuite><testcase")
    with pytest.raises(ValueError, match="larger than"):
        parse_junit_xml(b" " * 20_000_001)


def test_long_failure_output_is_capped() -> None:
    xml = f"<testsuite><testcase name='x'><failure>{'y' * 50_000}</failure></testcase></testsuite>"
    (case,) = parse_junit_xml(xml)
    assert len(case.output) < 4_200 and "characters elided" in case.output


def test_baseline_cache_is_keyed_by_sha_and_command(tmp_path: Path) -> None:
    cache = BaselineCache(tmp_path / "baselines")
    report = build_report(command="pytest", exit_code=0, output="", junit_xml=JUNIT)
    assert cache.get("a" * 40, "pytest") is None
    cache.put("a" * 40, report)
    assert cache.get("a" * 40, "pytest") == report
    assert cache.get("a" * 40, "pytest -x") is None
    assert cache.get("b" * 40, "pytest") is None
    (next((tmp_path / "baselines").glob("*.json"))).write_text("{corrupt")
    assert cache.get("a" * 40, "pytest") is None
    with pytest.raises(ValueError, match="not a commit sha"):
        cache.get("../../etc", "pytest")


def test_real_pytest_junit_output_parses(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(
        "def test_ok():\n    assert True\n\ndef test_bad():\n    assert 1 == 2\n"
    )
    command = with_junit_output("python -m pytest -q -p no:cacheprovider", "junit.xml")
    assert command.endswith("--junitxml=junit.xml")
    run = subprocess.run(
        [sys.executable, *command.split()[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        # This venv's plugins (langsmith, hypothesis, playwright...) have no part in a sample
        # suite, and importing them took most of this test's time.
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    report = build_report(
        command=command,
        exit_code=run.returncode,
        output=run.stdout,
        junit_xml=(tmp_path / "junit.xml").read_text(),
    )
    assert (report.passed, report.failed) == (1, 1)
    assert report.failing_ids == ["test_sample::test_bad"]
    assert "assert 1 == 2" in report.cases[1].output


def test_junit_flag_is_only_added_to_pytest() -> None:
    assert with_junit_output("pytest -q", "/r.xml") == "pytest -q --junitxml=/r.xml"
    assert with_junit_output("npm test", "/r.xml") == "npm test"
    assert with_junit_output("pytest --junitxml=x.xml", "/r.xml") == "pytest --junitxml=x.xml"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"pyproject.toml": "[tool.pytest.ini_options]\naddopts='-q'\n"}, "python3 -m pytest -q"),
        ({"tests/test_a.py": ""}, "python3 -m pytest -q"),
        ({"setup.cfg": "[tool:pytest]\n"}, "python3 -m pytest -q"),
        ({"package.json": json.dumps({"scripts": {"test": "jest"}})}, "npm test"),
        (
            {"package.json": json.dumps({"scripts": {"test": 'echo "Error: no test specified"'}})},
            None,
        ),
        ({"go.mod": "module x\n"}, "go test ./..."),
        ({"Cargo.toml": "[package]\n"}, "cargo test"),
        ({"Makefile": "build:\n\tcc x.c\ntest: build\n\t./run\n"}, "make test"),
        ({"Makefile": "build:\n\tcc x.c\n"}, None),
        ({"README.md": "hi"}, None),
    ],
)
def test_detect_test_command(tmp_path: Path, files: dict[str, str], expected: str | None) -> None:
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    assert detect_test_command(tmp_path) == expected
