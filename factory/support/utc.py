"""Aware UTC datetimes everywhere above the store.

SQLite's DateTime columns give back naive datetimes (PostgreSQL's `timestamptz` aware ones);
the store makes each row's moments aware once where it reads them, and whatever parses a time a
person typed or a forge sent goes through `as_utc` too.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """`moment` as an aware datetime: a naive one is taken to be UTC already."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
