"""The store's one retry loop: a write that lost a race on a unique key is tried again."""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

T = TypeVar("T")

RETRIES = 5


def retry_on_conflict(write: Callable[[], T]) -> T:
    """`write()`, again while another writer won the race for the same unique key (the next
    event of a chain, the next pull request number); the last attempt's error is raised.
    `write` must re-read what it depends on, in its own transaction, each time it runs."""
    for attempt in range(RETRIES):
        try:
            return write()
        except IntegrityError:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")
