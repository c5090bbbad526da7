"""Pricing, retry pacing, and secret redaction."""

from __future__ import annotations

import pytest

from harness.config import ModelPrice
from harness.errors import ModelUnavailableError
from harness.messages import Usage
from harness.model import RetryNotice
from harness.pricing import PriceTable
from harness.redact import MASK, redact, redact_text
from harness.retry import Retryable, RetryPolicy, parse_retry_after

USAGE = Usage(
    input_tokens=1_000_000,
    output_tokens=100_000,
    cache_read_tokens=2_000_000,
    cache_write_tokens=400_000,
)


def test_cost_counts_all_four_token_kinds() -> None:
    # claude-sonnet-4-6: $3 in, $15 out, $0.30 cache read, $3.75 cache write per million.
    assert PriceTable().cost_of("claude-sonnet-4-6", USAGE) == pytest.approx(3 + 1.5 + 0.6 + 1.5)


def test_dated_snapshots_are_priced_as_their_family() -> None:
    table = PriceTable()
    assert table.price_of("claude-opus-4-5-20251101") == table.price_of("claude-opus-4-5")
    assert table.price_of("gpt-4o-mini-2024-07-18") == table.price_of("gpt-4o-mini")
    assert table.price_of("gpt-4o-mini-2024-07-18") != table.price_of("gpt-4o")


def test_overrides_win_and_unknown_models_cost_none() -> None:
    table = PriceTable(
        {
            "llama3.1:8b": ModelPrice(input=0, output=0),
            "claude-sonnet-4-6": ModelPrice(input=1, output=1),
        }
    )
    assert table.cost_of("llama3.1:8b", USAGE) == 0.0
    assert table.cost_of("claude-sonnet-4-6", USAGE) == pytest.approx(1.1)
    assert table.cost_of("some-new-model", USAGE) is None


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(base_delay_s=1, max_delay_s=5, jitter=lambda: 0.5)
    assert [policy.delay(n, None) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 2.5]
    assert policy.delay(1, 120.0) == 5  # retry-after is honoured but bounded


def test_retry_after_accepts_seconds_milliseconds_and_dates() -> None:
    assert parse_retry_after({"retry-after": "4"}) == 4.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    past = parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert past is not None and past < 0
    assert parse_retry_after({}) is None


def test_retry_gives_up_after_the_bounded_count() -> None:
    notices: list[RetryNotice] = []
    waits: list[float] = []
    policy = RetryPolicy(max_retries=2, sleep=waits.append, jitter=lambda: 1.0)

    def always_busy() -> None:
        raise Retryable("busy", status=503)

    with pytest.raises(ModelUnavailableError, match="busy; gave up after 2 retries"):
        policy.run(always_busy, notices.append)
    assert [n.attempt for n in notices] == [1, 2] and waits == [1.0, 2.0]


@pytest.mark.parametrize(
    "secret",
    [
        "sk-ant-api03-abcdefghijklmnop",
        "sk-proj-abcdefghijklmnopqrstuvwxyz",
        "ghp_abcdefghijklmnopqrstuvwxyz012345",
        "github_pat_11ABCDEFG0123456789_abcdefghij",
        "xoxb-1234567890-abcdefghij",
        "AKIAIOSFODNN7EXAMPLE",
    ],
)
def test_known_token_shapes_are_redacted(secret: str) -> None:
    assert redact_text(f"use {secret} here", env_values=[]) == f"use {MASK} here"


def test_assignments_and_authorization_headers_keep_their_names() -> None:
    text = 'Authorization: Bearer abc.def.ghi123\napi_key="hunter2hunter2"\npassword=swordfish'
    cleaned = redact_text(text, env_values=[])
    assert cleaned == f'Authorization: Bearer {MASK}\napi_key="{MASK}"\npassword={MASK}'


def test_values_of_secret_environment_variables_are_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", "plain-looking-value-42")
    cleaned = redact({"messages": [{"text": "got plain-looking-value-42 back"}], "n": 3})
    assert cleaned == {"messages": [{"text": f"got {MASK} back"}], "n": 3}


def test_ordinary_code_is_left_alone() -> None:
    code = "def tokenize(text):\n    return text.split()  # keys are sorted\n"
    assert redact_text(code, env_values=[]) == code
