"""One vocabulary on the command line: an option name means one thing in every command.

The walk goes over Typer's Click command tree (every group and command `factory` has) and reads
each command's parameters from its callback, as Typer builds them. Two options of one name
must agree in the kind of value they take (a flag's is `bool`) and in the parser that reads
them (for time options: the one grammar); the shared options of `factory/cli/options.py` must
also carry its help text. Hidden options are the old spellings kept for scripts, not the
vocabulary: each must be one of OLD_SPELLINGS, and each is invoked by its command's tests
(test_cli_review.py, test_init_repo.py, tests/integration/policies/test_policy_cli.py).
"""

from __future__ import annotations

import types
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Union, get_args, get_origin

import pytest
import typer
import typer.core
from typer.models import OptionInfo
from typer.utils import get_params_from_function

from factory.cli import app, options


@dataclass(frozen=True)
class SeenOption:
    command: str
    name: str
    kind: str
    parser: Callable[[str], Any] | None
    help: str


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Every group and command below `command`, with the words that reach it."""
    yield " ".join(("factory", *path)), command
    if isinstance(command, typer.core.TyperGroup):
        for name, child in sorted(command.commands.items()):
            yield from walk(child, (*path, name))


def value_kind(annotation: Any) -> str:
    """What a value is, whatever the command does with how many: `str` for `str | None` and
    `list[str]` alike; `choice` for any enum (each command has its own choices)."""
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "choice"
    return getattr(annotation, "__name__", str(annotation))


def options_of(root: Any) -> list[SeenOption]:
    seen = []
    for path, command in walk(root):
        if command.callback is None:
            continue
        for meta in get_params_from_function(command.callback).values():
            info = meta.default
            if not isinstance(info, OptionInfo) or info.hidden:
                continue
            for declaration in info.param_decls or ():
                for name in declaration.split("/"):
                    if not name.startswith("--"):
                        continue  # `-o` travels with its long name
                    seen.append(
                        SeenOption(
                            command=path,
                            name=name,
                            kind=value_kind(meta.annotation),
                            parser=info.parser,
                            help=info.help or "",
                        )
                    )
    return seen


def disagreements(seen: list[SeenOption]) -> list[str]:
    """Each option name whose uses differ in kind or parser, or that is shared and
    does not carry the shared help; one line per problem, naming the commands."""
    by_name: dict[str, list[SeenOption]] = defaultdict(list)
    for option in seen:
        by_name[option.name].append(option)
    problems = []
    for name, uses in sorted(by_name.items()):
        for aspect in ("kind", "parser"):
            variants = {getattr(use, aspect) for use in uses}
            if len(variants) > 1:
                where = "; ".join(f"{use.command}: {getattr(use, aspect)!r}" for use in uses)
                problems.append(f"{name} differs in {aspect}: {where}")
        for use in uses:
            if name in options.SHARED_HELP and use.help not in options.SHARED_HELP[name]:
                problems.append(f"{use.command} {name}: help {use.help!r} is not the shared one")
    return problems


ROOT = typer.main.get_command(app)
SEEN = options_of(ROOT)
OLD_SPELLINGS = {
    ("factory review", "--out"): "--output",
    ("factory init", "--name"): "--repo",
    ("factory policy check", "--diff"): "--patch",
    ("factory policy check", "--labels"): "--label",
    ("factory policy replay", "--config"): "--proposed-config",
}


def hidden_options(root: Any) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path, command in walk(root):
        if command.callback is None:
            continue
        for meta in get_params_from_function(command.callback).values():
            info = meta.default
            if isinstance(info, OptionInfo) and info.hidden:
                found.update((path, name) for name in info.param_decls or ())
    return found


def test_the_walk_reaches_every_command_and_its_options() -> None:
    commands = {option.command for option in SEEN}
    assert {"factory review", "factory audit export", "factory policy replay"} <= commands
    assert {"factory sweep", "factory run", "factory init", "factory runs list"} <= commands
    names = {option.name for option in SEEN}
    assert set(options.SHARED_HELP) <= names
    assert sum(option.name == "--json" for option in SEEN) > 20


def test_no_two_options_of_one_name_disagree() -> None:
    assert disagreements(SEEN) == []


@pytest.mark.parametrize(
    ("name", "parser"),
    [
        ("--since", options.moment_text),
        ("--until", options.moment_text),
        ("--max-wall", options.duration),
        ("--budget-usd", options.dollars),
    ],
)
def test_every_time_and_budget_option_reads_the_one_grammar(
    name: str, parser: Callable[[str], Any]
) -> None:
    uses = [option for option in SEEN if option.name == name]
    assert uses, f"no command has {name}"
    assert {option.parser for option in uses} == {parser}


def test_every_command_that_prints_a_result_takes_json() -> None:
    # serve and worker run until stopped; audit export writes JSON lines already.
    without = {
        path
        for path, command in walk(ROOT)
        if not isinstance(command, typer.core.TyperGroup)
        and not any(o.command == path and o.name == "--json" for o in SEEN)
    }
    assert without == {"factory serve", "factory worker", "factory audit export"}


def test_the_check_notices_options_that_disagree() -> None:
    # The checker itself must be able to fail: a small app with three kinds of drift.
    drifting = typer.Typer()

    @drifting.command("a")
    def first(
        since: str = typer.Option("30d", "--since", parser=options.moment_text),
        as_json: bool = typer.Option(False, "--json", help=options.JSON_HELP),
        diff: str = typer.Option("", "--diff"),
    ) -> None:
        """One."""

    @drifting.command("b")
    def second(
        since: str = typer.Option("30d", "--since"),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
        diff: bool = typer.Option(False, "--diff"),
    ) -> None:
        """Two."""

    problems = disagreements(options_of(typer.main.get_command(drifting)))
    text = "\n".join(problems)
    assert "--since differs in parser" in text
    assert "--diff differs in kind" in text
    assert "factory b --json: help 'Print JSON.' is not the shared one" in text


def test_every_hidden_option_is_an_old_spelling_of_a_visible_one() -> None:
    assert hidden_options(ROOT) == set(OLD_SPELLINGS)
    for (path, _old), new in OLD_SPELLINGS.items():
        assert any(o.command == path and o.name == new for o in SEEN), (path, new)
