"""Every number factory.toml sets is bounded where arithmetic, the engine, the OS or a database
would break on it: `cpus = inf`, `command_timeout_s = 1e308` or `window_days = 10**12` is a
ConfigError naming the key, never an OverflowError in the middle of a run.

The walk covers every model reachable from `FactoryConfig`, so a new numeric setting must
choose its bound (an upper limit also refuses `inf` and `nan`)."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

import annotated_types
import pytest
from pydantic import BaseModel

from factory.config import ConfigError, FactoryConfig, load_config


def models_below(
    model: type[BaseModel], seen: set[type] | None = None
) -> Iterator[type[BaseModel]]:
    seen = set() if seen is None else seen
    if model in seen:
        return
    seen.add(model)
    yield model
    for field in model.model_fields.values():
        for inner in _types_in(field.annotation):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                yield from models_below(inner, seen)


def _types_in(annotation: Any) -> Iterator[Any]:
    yield annotation
    if get_origin(annotation) in (Union, types.UnionType, list, dict) or get_args(annotation):
        for arg in get_args(annotation):
            yield from _types_in(arg)


def numeric_fields() -> list[tuple[str, Any]]:
    found = []
    for model in models_below(FactoryConfig):
        for name, field in model.model_fields.items():
            kinds = {t for t in _types_in(field.annotation) if t in (int, float)}
            if kinds and bool not in set(_types_in(field.annotation)):
                found.append((f"{model.__name__}.{name}", field))
    return found


def test_every_numeric_setting_has_an_upper_bound() -> None:
    unbounded = [
        name
        for name, field in numeric_fields()
        if not any(isinstance(m, annotated_types.Le | annotated_types.Lt) for m in field.metadata)
    ]
    assert unbounded == []
    assert len(numeric_fields()) >= 40  # the walk reached the sections


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("sandbox", "cpus", "inf"),
        ("sandbox", "command_timeout_s", "1e308"),
        ("sandbox", "setup_timeout_s", "nan"),
        ("sandbox", "pids", "99999999999999999999"),
        ("sandbox", "memory", '"99999999999999999g"'),
        ("sandbox", "memory", '"1k"'),
        ("sandbox", "warm_pool_size", "100000"),
        ("sandbox", "sandbox_uid", "99999999999"),
        ("budgets", "max_wall_s", "1e300"),
        ("budgets", "max_usd", "1e308"),
        ("sweep", "backoff_days", "inf"),
        ("sweep", "stop_grace_s", "1e308"),
    ],
)
def test_an_out_of_range_number_in_the_file_names_its_key(
    tmp_path: Any, section: str, key: str, value: str
) -> None:
    path = tmp_path / "factory.toml"
    path.write_text(f"[{section}]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert f"{section}.{key}" in str(raised.value)
