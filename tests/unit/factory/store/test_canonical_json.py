"""Canonical JSON: one text per value, the stdlib's text wherever orjson could differ."""

import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest

from factory.store.chain import canonical_json


def stdlib(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": "é", "c": [True, False, 2.5, -0.0, 1e16]},
        {"text": 'quotes " backslash \\ newline \n tab \t nul \x00 del \x7f sep \u2028 ☃'},
        {"nested": {"z": {"y": [1, {"x": "deep"}]}, "a": []}, "empty": {}},
        {"big": 2**63 - 1, "negative": -(2**63)},
    ],
)
def test_ordinary_payloads_are_written_exactly_as_the_stdlib_writes_them(value: Any) -> None:
    assert canonical_json(value) == stdlib(value)


def test_values_orjson_refuses_or_nulls_take_the_stdlib_text() -> None:
    assert canonical_json({"cost": math.nan, "none": None}) == '{"cost":NaN,"none":null}'
    assert canonical_json({"n": 2**70}) == '{"n":1180591620717411303424}'
    assert canonical_json({1: "one"}) == '{"1":"one"}'


def test_the_text_parses_back_to_the_same_value() -> None:
    value = {"small": 1e-05, "k": ["v", 3]}
    assert json.loads(canonical_json(value)) == value
    assert canonical_json(value) == canonical_json(json.loads(canonical_json(value)))


@pytest.mark.parametrize("bad", [object(), datetime(2026, 1, 1, tzinfo=UTC), {1, 2}])
def test_values_json_cannot_express_are_refused_with_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        canonical_json({"when": bad})
