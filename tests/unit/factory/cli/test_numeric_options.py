"""Every number a command takes is bounded before it reaches a database, the engine or
arithmetic: a typo such as `--limit 99999999999999999999` or `--timeout inf` is a usage error,
never an OverflowError inside the command (found by trying each command with hostile input).

The walk covers every command, so a new numeric option must choose its bound: an int gets a
`max`, a float gets a parser that refuses `nan` and `inf` (Click's FloatRange lets `nan` pass).
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

import pytest
import typer
import typer.core
from typer.models import ParameterInfo
from typer.testing import CliRunner
from typer.utils import get_params_from_function

from factory.cli import app

CHECKED_BY_THE_COMMAND = {
    ("factory demo", "tickets"): "compared with the bundled backlog's size before any use",
    ("factory run", "max_iterations"): "validated by RunOptions (1 to 20) before any work",
}


def walk(command: Any, path: tuple[str, ...] = ("factory",)) -> Iterator[tuple[str, Any]]:
    yield " ".join(path), command
    if isinstance(command, typer.core.TyperGroup):
        for name, child in sorted(command.commands.items()):
            yield from walk(child, (*path, name))


def number_type(annotation: Any) -> type | None:
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    return annotation if annotation in (int, float) else None


def numeric_parameters() -> list[tuple[str, str, type, ParameterInfo]]:
    found = []
    for path, command in walk(typer.main.get_command(app)):
        if command.callback is None:
            continue
        for name, meta in get_params_from_function(command.callback).items():
            kind = number_type(meta.annotation)
            if kind is not None and isinstance(meta.default, ParameterInfo):
                found.append((path, name, kind, meta.default))
    return found


def test_every_numeric_parameter_of_every_command_is_bounded() -> None:
    unbounded = []
    for path, name, kind, info in numeric_parameters():
        if (path, name) in CHECKED_BY_THE_COMMAND:
            continue
        if kind is float and info.parser is None:
            unbounded.append(f"{path} {name}: a float without a parser lets nan and inf through")
        if kind is int and info.parser is None and info.max is None:
            unbounded.append(f"{path} {name}: an int without a max")
    assert unbounded == []
    assert len(numeric_parameters()) >= 15  # the walk reached the commands


@pytest.mark.parametrize(
    "args",
    [
        ["runs", "list", "--limit", "99999999999999999999999"],
        ["sweeps", "list", "--limit", "99999999999999999999"],
        ["incident", "resolve", "99999999999999999999"],
        ["pr", "show", "99999999999999999999"],
        ["jobs", "show", "99999999999999999999"],
        ["sandbox", "exec", "--timeout", "nan", "true"],
        ["sandbox", "exec", "--timeout", "inf", "true"],
        ["sandbox", "exec", "--timeout", "1e308", "true"],
        ["sandbox", "exec", "--timeout", "-1", "true"],
        ["sweep", "--dry-run", "--budget-usd", "1e308"],
        ["sweep", "--dry-run", "--budget-tokens", "99999999999999999999999"],
        ["run", "ticket.md", "--budget-usd", "inf"],
    ],
)
def test_an_out_of_range_number_is_a_usage_error_before_any_work(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "unexpected error" not in result.output
