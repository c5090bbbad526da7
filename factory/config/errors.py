"""Turning configuration mistakes into messages a person can act on."""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, Tag
from pydantic_core import ErrorDetails

from factory.support.errors import FactoryError

SECRET_KEY = re.compile(r"(api[_-]?key|token|secret|password)$", re.IGNORECASE)
SECRET_VALUE = re.compile(r"^(sk-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{8,}|github_pat_\w{8,})")
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class ConfigError(FactoryError):
    """The configuration cannot be used. The message names the file, the key and the fix."""

    code = "config"


def key_path(loc: tuple[int | str, ...]) -> str:
    """('repos', 'my repo', 'policies', 0, 'name') -> repos."my repo".policies[0].name"""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = part if BARE_KEY.match(part) else f'"{part}"'
        out += f".{text}" if out else text
    return out or "(top level)"


def describe_validation_error(error: ErrorDetails, root: type[BaseModel]) -> str:
    """One pydantic error as `key.path = value: what is allowed`."""
    loc, _ = _walk(root, tuple(error["loc"]))
    path = key_path(loc)
    kind = error["type"]
    if kind == "union_tag_invalid":
        context = error.get("ctx") or {}
        tag, expected = context.get("tag"), context.get("expected_tags", "")
        return f"{path}.provider = {_show(tag)}: should be one of {expected}"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(root, tuple(error["loc"])[:-1])
        hint = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return f"{path}: unknown key{hint}"
    if kind == "missing":
        return f"{path}: required key is missing"
    message = error["msg"]
    message = re.sub(r"^Value error, ", "", message)
    message = re.sub(r"^Input should", "should", message)
    message = re.sub(r"^String should", "should", message)
    if kind in ("model_type", "dict_type") and isinstance(error.get("input"), str | int | float):
        message = "should be a table ([section] or { key = value })"
    value = error.get("input")
    if isinstance(value, dict) or kind.startswith("value_error"):
        return f"{path}: {message}"
    return f"{path} = {_show(value)}: {message}"


def find_secret_keys(data: Any, prefix: tuple[int | str, ...] = ()) -> list[str]:
    """Key paths in parsed TOML that hold a secret (by key name or by value shape)."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            here = (*prefix, key)
            if SECRET_KEY.search(key) and isinstance(value, str) and value:
                found.append(key_path(here))
            else:
                found.extend(find_secret_keys(value, here))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(find_secret_keys(value, (*prefix, index)))
    elif isinstance(data, str) and SECRET_VALUE.match(data):
        found.append(key_path(prefix))
    return found


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _allowed_keys(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found by walking `loc` from `root` (dict keys, list items)."""
    _, annotation = _walk(root, loc)
    model = _model_in(annotation)
    return sorted(model.model_fields) if model is not None else []


def _walk(root: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[tuple[int | str, ...], Any]:
    """`loc` as the file spells it (without the tags pydantic adds inside a tagged union, such
    as the provider in `models.default.anthropic.max_tokens`), and the annotation it reaches."""
    annotation: Any = root
    shown: list[int | str] = []
    for part in loc:
        tagged = _tagged_members(annotation)
        if isinstance(part, str) and part in tagged:
            annotation = tagged[part]
            continue
        shown.append(part)
        if annotation is None:
            continue
        model = _model_in(annotation)
        if model is not None and isinstance(part, str) and part in model.model_fields:
            annotation = model.model_fields[part].annotation
            continue
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        origin = typing.get_origin(annotation)
        if origin in (dict, list) or origin in (typing.Union, types.UnionType):
            annotation = args[-1] if args else None
            if origin in (typing.Union, types.UnionType):
                annotation = _container_in(args)
            continue
        annotation = None
    return tuple(shown), annotation


def _tagged_members(annotation: Any) -> dict[str, Any]:
    """`{tag: model}` for a tagged union (`Annotated[X, Tag("x")] | ...`), possibly optional."""
    found: dict[str, Any] = {}
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *metadata = typing.get_args(annotation)
        for item in metadata:
            if isinstance(item, Tag) and isinstance(item.tag, str):
                found[item.tag] = inner
        return found or _tagged_members(inner)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found.update(_tagged_members(arg))
    return found


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    for arg in typing.get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _container_in(args: list[Any]) -> Any:
    for arg in args:
        if typing.get_origin(arg) in (dict, list):
            return arg
    return args[0] if args else None
