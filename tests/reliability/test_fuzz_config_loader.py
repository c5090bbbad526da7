"""Fuzzing the config loader: whatever the TOML says, only `ConfigError` may escape.

Two generators: documents of the right shape (known sections and keys, values of any type,
so most are wrong in detail) and of any shape (arbitrary nesting of tables, arrays and
scalars); plus arbitrary text through the TOML reader itself.
"""

from __future__ import annotations

import contextlib
import datetime
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factory.config import FactoryConfig, parse_config
from factory.config.errors import ConfigError
from factory.config.loading import read_toml

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

names = st.text(st.characters(codec="utf-8"), min_size=0, max_size=12)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["L0", "L3", "main", "", "sk-0123456789abcdef", "**", "[z-a]", "/"]),
    st.dates(),  # TOML has dates and times; JSON, which an early loader copied through, has not
    st.datetimes(),
    st.times(),
)
anything = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(names, inner, max_size=4)),
    max_leaves=12,
)

SECTION_KEYS: dict[str, list[str]] = {
    "factory": ["database_url", "data_dir", "log_format", "log_level", "busy_timeout_s"],
    "budgets": ["max_steps", "max_tokens", "max_usd", "max_wall_s"],
    "sandbox": ["image", "cpus", "memory", "pids", "env", "warm_pool_size", "tmp_size"],
    "git": ["name", "email"],
}
REPO_KEYS = [
    "path",
    "github",
    "base_branch",
    "setup",
    "test_command",
    "autonomy",
    "policies",
    "protected_paths",
    "budget",
    "max_iterations",
]
MODEL_KEYS = ["provider", "model", "base_url", "max_tokens", "temperature", "cassette"]


@st.composite
def right_shape(draw: st.DrawFn) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for section, keys in SECTION_KEYS.items():
        if draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(keys), max_size=len(keys), unique=True))
            document[section] = {key: draw(anything) for key in chosen}
    if draw(st.booleans()):
        roles = draw(st.lists(st.sampled_from(["default", "coder", "planner"]), unique=True))
        document["models"] = {
            role: {key: draw(anything) for key in draw(st.lists(st.sampled_from(MODEL_KEYS)))}
            for role in roles
        }
    if draw(st.booleans()):
        repos = {}
        for name in draw(st.lists(names, max_size=2, unique=True)):
            chosen = draw(st.lists(st.sampled_from(REPO_KEYS), unique=True))
            table = {key: draw(anything) for key in chosen}
            if draw(st.booleans()):
                table["policies"] = [
                    {
                        "name": draw(st.sampled_from(["diff_size", "protected_paths", "x:y", ""])),
                        "params": draw(anything),
                    }
                ]
            repos[name] = table
        document["repos"] = repos
    return document


def _load(document: Any, tmp_path: Path) -> None:
    try:
        config = parse_config(document, source="fuzz.toml", base_dir=tmp_path, environ={})
    except ConfigError:
        return
    assert isinstance(config, FactoryConfig)


@FUZZ
@given(document=right_shape())
def test_documents_of_the_right_shape_load_or_raise_config_error(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    _load(document, tmp_path)


@FUZZ
@given(document=st.dictionaries(names, anything, max_size=6))
def test_documents_of_any_shape_load_or_raise_config_error(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    _load(document, tmp_path)


@FUZZ
@given(text=st.text(max_size=300))
def test_any_text_as_factory_toml_reads_or_raises_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "factory.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        data = read_toml(path)
    except ConfigError:
        return
    assert isinstance(data, dict)
    _load(data, tmp_path)


@FUZZ
@given(document=right_shape())
def test_well_formed_toml_round_trip_also_only_raises_config_error(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    """The same documents written as TOML text first (what a person edits)."""
    text = _to_toml(document)
    if text is None:
        return
    path = tmp_path / "factory.toml"
    path.write_text(text, encoding="utf-8")
    with contextlib.suppress(ConfigError):
        _load(read_toml(path), tmp_path)


def _to_toml(document: dict[str, Any]) -> str | None:
    """Inline-table TOML for documents TOML can express (no None, no NaN keys' edge cases)."""

    def value(item: Any) -> str | None:
        if item is None:
            return None
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, int | float):
            text = repr(item)
            return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(text, text)
        if isinstance(item, datetime.date | datetime.time):
            return item.isoformat()
        if isinstance(item, str):
            return '"' + item.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
        if isinstance(item, list):
            parts = [value(part) for part in item]
            shown = [part for part in parts if part is not None]
            return None if len(shown) < len(parts) else "[" + ", ".join(shown) + "]"
        pairs: list[str] = []
        for key, inner in item.items():
            rendered = value(inner)
            if rendered is None:
                return None
            pairs.append(f'"{key.encode("unicode_escape").decode("ascii")}" = {rendered}')
        return "{" + ", ".join(pairs) + "}"

    lines = []
    for key, inner in document.items():
        rendered = value(inner)
        if rendered is None:
            return None
        lines.append(f"{key} = {rendered}")
    text = "\n".join(lines) + "\n"
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    return text
