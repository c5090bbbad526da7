"""Classifying a failed check, its log excerpt and its failure signature."""

import pytest

from factory.forges.checks import CheckRun
from factory.pulls.ci_classify import (
    classify_failure,
    failure_signature,
    is_infrastructure,
    log_excerpt,
)

LOG = """2026-01-01T00:00:01.0000000Z ##[group]Run python -m pytest -q
2026-01-01T00:00:02.0000000Z collected 3 items
2026-01-01T00:00:03.0000000Z tests/test_calc.py F..
2026-01-01T00:00:04.0000000Z E   assert add(2, 2) == 4
2026-01-01T00:00:05.0000000Z FAILED tests/test_calc.py::test_add - assert 5 == 4
2026-01-01T00:00:06.0000000Z 1 failed, 2 passed in 0.12s
2026-01-01T00:00:07.0000000Z ##[error]Process completed with exit code 1.
"""


def failed(name: str = "test", conclusion: str = "failure", **extra: object) -> CheckRun:
    return CheckRun(name=name, status="completed", conclusion=conclusion, **extra)


def test_excerpt_drops_timestamps_and_keeps_the_error_lines() -> None:
    excerpt = log_excerpt(LOG)
    assert "2026-01-01T" not in excerpt and "##[group]" not in excerpt
    assert "FAILED tests/test_calc.py::test_add" in excerpt
    assert excerpt.rstrip().endswith("Process completed with exit code 1.")


def test_signature_ignores_timestamps_and_durations_but_not_the_failure() -> None:
    later = LOG.replace("00:00:0", "09:59:5").replace("0.12s", "3.40s")
    assert failure_signature([("test", LOG)]) == failure_signature([("Test ", later)])
    other = LOG.replace("test_add", "test_sub")
    assert failure_signature([("test", LOG)]) != failure_signature([("test", other)])
    assert failure_signature([("test", LOG)]) != failure_signature([("lint", LOG)])


@pytest.mark.parametrize(
    ("conclusion", "log"),
    [
        ("startup_failure", ""),
        ("cancelled", ""),
        ("failure", "##[error]The runner has received a shutdown signal."),
        ("failure", "write error: No space left on device"),
        ("failure", "fatal: unable to access: Could not resolve host: github.com"),
    ],
)
def test_runner_and_setup_errors_are_infrastructure(conclusion: str, log: str) -> None:
    check = failed(conclusion=conclusion)
    assert is_infrastructure(check, log)
    kind, _why = classify_failure(check, log, reruns_done=0, flaky_reruns=1)
    assert kind == "infrastructure"


def test_a_first_failure_is_rerun_then_deterministic() -> None:
    check = failed()
    assert classify_failure(check, LOG, reruns_done=0, flaky_reruns=1)[0] == "rerun"
    kind, why = classify_failure(check, LOG, reruns_done=1, flaky_reruns=1)
    assert kind == "deterministic" and "failed again" in why
    assert classify_failure(check, LOG, reruns_done=0, flaky_reruns=0)[0] == "deterministic"


def test_a_check_the_forge_cannot_rerun_is_deterministic_at_once() -> None:
    status = failed(source="status", rerunnable=False)
    kind, why = classify_failure(status, "red", reruns_done=0, flaky_reruns=1)
    assert kind == "deterministic" and "cannot rerun" in why
