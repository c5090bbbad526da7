"""The store's one retry loop: try again, with jittered exponential backoff, within limits.

Two ways a write can lose a race use it: another writer extended a chain or took a pull
request number first (an integrity error: `retry_on_conflict` re-runs the write at once, a few
times), and another process holds SQLite's write lock (the engine waits, longer each time,
until `[factory] busy_timeout_s` has passed: `factory.store.database`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

T = TypeVar("T")

RETRIES = 5


def retry_on_conflict(write: Callable[[], T]) -> T:
    """`write()`, again while another writer won the race for the same unique key (the next
    event of a chain, the next pull request number); the last attempt's error is raised.
    `write` must re-read what it depends on, in its own transaction, each time it runs."""
    return retried(
        write, retry_on=lambda failure: isinstance(failure, IntegrityError), attempts=RETRIES
    )


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
