"""Waiting on a condition instead of sleeping a fixed time (which is too short on a loaded
machine and too long on a quiet one)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T], what: str, timeout: float = 60, every: float = 0.02
) -> T:
    """The condition's first truthy value, polled every `every` seconds; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(every)
