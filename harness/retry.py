"""Bounded retries with exponential backoff, full jitter, and respect for `retry-after`."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TypeVar

from harness.errors import ModelUnavailableError
from harness.model import RetryCallback, RetryNotice

T = TypeVar("T")


class Retryable(Exception):
    """Raised by a provider adapter to say: this attempt failed transiently."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


@dataclass
class RetryPolicy:
    """How often and how patiently to retry. `sleep` and `jitter` are injectable for tests."""

    max_retries: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep)
    jitter: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            # The server knows when capacity returns; waiting less only burns an attempt.
            return min(max(retry_after, 0.0), self.max_delay_s)
        ceiling = min(self.base_delay_s * 2 ** (attempt - 1), self.max_delay_s)
        return ceiling * self.jitter()

    def run(self, attempt_once: Callable[[], T], on_retry: RetryCallback | None = None) -> T:
        attempt = 0
        while True:
            try:
                return attempt_once()
            except Retryable as failure:
                attempt += 1
                if attempt > self.max_retries:
                    raise ModelUnavailableError(
                        f"{failure.reason}; gave up after {self.max_retries} retries: "
                        "try again later or raise the provider's limits"
                    ) from failure
                wait = self.delay(attempt, failure.retry_after)
                if on_retry is not None:
                    on_retry(
                        RetryNotice(
                            attempt=attempt,
                            delay_s=wait,
                            reason=failure.reason,
                            status=failure.status,
                        )
                    )
                self.sleep(wait)


def parse_retry_after(headers: object) -> float | None:
    """Seconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date)."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    millis = get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None
