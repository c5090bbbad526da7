"""The one grammar of every time a person types (`--since`, `--until`, `--max-wall`, and the
dashboard's query parameters), and its bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from factory.support.timespec import TimeSpecError, parse_duration, parse_moment

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("8h", 28800),
        ("90m", 5400),
        ("1h30m", 5400),
        ("45s", 45),
        ("12", 12),
        ("2d", 172800),
        ("2w", 1209600),
        (" 1.5h ", 5400),
        ("5200w", 5200 * 7 * 86400),
    ],
)
def test_durations_read_as_written(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a duration"),
        ("soon", "not a duration"),
        ("-1d", "not a duration"),
        ("inf", "not a duration"),
        ("nan", "not a duration"),
        ("1e9", "not a duration"),
        ("0", "must be positive"),
        ("0d", "must be positive"),
        ("99999999d", "longer than a century"),
        ("5300w", "longer than a century"),
    ],
)
def test_a_bad_duration_says_how_to_write_one(text: str, message: str) -> None:
    with pytest.raises(TimeSpecError, match=message):
        parse_duration(text, option="--max-wall")
    with pytest.raises(TimeSpecError, match="--max-wall"):
        parse_duration(text, option="--max-wall")


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("30d", NOW - timedelta(days=30)),
        ("1h30m", NOW - timedelta(minutes=90)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T09:00", datetime(2026, 11, 1, 9, 0, tzinfo=UTC)),
        ("2026-11-01T09:00+02:00", datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),
        ("2100-01-01", datetime(2100, 1, 1, tzinfo=UTC)),
    ],
)
def test_moments_are_durations_ago_or_iso_times_in_utc(text: str, moment: datetime) -> None:
    read = parse_moment(text, NOW)
    assert read == moment
    assert read.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday", "cannot read 'yesterday' as a time"),
        ("99999999d", "longer than a century"),
        ("9999-12-31", "more than a century from now"),
        ("0001-01-01", "more than a century from now"),
        ("9999-12-31T23:59:59-14:00", "more than a century from now"),
        ("0001-01-01T00:00+14:00", "more than a century from now"),
    ],
)
def test_a_moment_out_of_range_is_refused_before_any_arithmetic(text: str, message: str) -> None:
    with pytest.raises(TimeSpecError, match=message):
        parse_moment(text, NOW, option="--since")


def test_whatever_a_command_computes_from_two_moments_stays_representable() -> None:
    # The farthest pair the bounds allow: a review's previous period reaches three centuries.
    since = parse_moment("5200w", NOW)
    until = parse_moment((NOW + timedelta(days=36000)).date().isoformat(), NOW)
    assert since - (until - since) > datetime(1700, 1, 1, tzinfo=UTC)


def test_a_naive_now_is_taken_as_utc() -> None:
    assert parse_moment("1d", NOW.replace(tzinfo=None)) == NOW - timedelta(days=1)
