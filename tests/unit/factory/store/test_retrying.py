"""The store's one retry loop: bounded by tries or by time, and it says why it gave up."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.exc import IntegrityError

from factory.store.retrying import RETRIES, retried, retry_on_conflict


class Flaky:
    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


def conflict() -> IntegrityError:
    return IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))


def test_a_lost_race_is_retried_until_it_is_won() -> None:
    write = Flaky(RETRIES - 1, conflict())
    assert retry_on_conflict(write) == "done"
    assert write.calls == RETRIES


def test_a_race_lost_every_time_raises_the_last_conflict() -> None:
    write = Flaky(RETRIES, conflict())
    with pytest.raises(IntegrityError):
        retry_on_conflict(write)
    assert write.calls == RETRIES


def test_other_errors_are_not_retried() -> None:
    write = Flaky(1, ValueError("bad value"))
    with pytest.raises(ValueError):
        retried(write, retry_on=lambda failure: isinstance(failure, KeyError), attempts=5)
    assert write.calls == 1


def test_a_time_limit_ends_the_waiting_with_the_give_up_error() -> None:
    write = Flaky(10_000, KeyError("locked"))
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="held by pid 42"):
        retried(
            write,
            retry_on=lambda failure: isinstance(failure, KeyError),
            within_s=0.3,
            base_delay_s=0.01,
            max_delay_s=0.05,
            give_up=lambda _failure: TimeoutError("held by pid 42"),
        )
    assert 0.2 <= time.monotonic() - started < 5
    assert write.calls > 1
