"""The store's one retry loop: try again with jittered exponential backoff, within limits.

Used for the two ways a write can lose a race: another writer extended a chain or took a
pull-request number first (an integrity error: re-read and try again at once, a few times),
and another process holds SQLite's write lock (wait, longer each time, until
`[factory] busy_timeout_s` has passed).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

T = TypeVar("T")
CONFLICT_ATTEMPTS = 5
"""Tries for a write that lost a race on a unique key; each retry re-reads, so few suffice."""


def is_conflict(failure: BaseException) -> bool:
    """A unique key another writer took first (chain position, PR number): worth a retry."""
    return isinstance(failure, IntegrityError)


def retried(
    action: Callable[[], T],
    *,
    retry_on: Callable[[BaseException], bool],
    attempts: int | None = None,
    within_s: float | None = None,
    base_delay_s: float = 0.0,
    max_delay_s: float = 0.5,
    give_up: Callable[[BaseException], BaseException] | None = None,
) -> T:
    """`action()`, repeated while it raises an exception `retry_on` accepts.

    It stops after `attempts` tries or once `within_s` seconds have passed (whichever comes
    first; at least one try is made). The last failure is re-raised, or `give_up(failure)`
    is raised in its place.
    """
    deadline = None if within_s is None else time.monotonic() + within_s
    tries = 0
    while True:
        tries += 1
        try:
            return action()
        except Exception as failure:
            if not retry_on(failure):
                raise
            delay = min(base_delay_s * 2 ** (tries - 1), max_delay_s) * random.random()
            out_of_tries = attempts is not None and tries >= attempts
            out_of_time = deadline is not None and time.monotonic() + delay >= deadline
            if out_of_tries or out_of_time:
                if give_up is not None:
                    raise give_up(failure) from failure
                raise
            if delay:
                time.sleep(delay)
