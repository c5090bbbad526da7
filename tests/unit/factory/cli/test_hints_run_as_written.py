"""Every `factory ...` command the product quotes (in a hint, an error, a docstring, a page)
runs as written: its subcommands exist and every option it names is one that command takes.

The quotes are read from the source itself, so a renamed option or command fails here before
a newcomer copies a hint that no longer works. Placeholders (`RUN`, `N`, `...`, an f-string's
`{run.id}`) stand for values; `a|b` lists alternatives, each of which must run.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import typer

from factory.cli import app

ROOT = Path(__file__).parents[4]
PACKAGES = ("factory", "agents", "harness", "sandboxes", "policies")
SUFFIXES = (".py", ".html", ".j2", ".md")
QUOTED = re.compile(r"`(factory(?: [^`\n]*)?)`")
FIELD = re.compile(r"\{[^{}]*\}")
HELP = ("--help", "-h")


def quoted_commands() -> list[tuple[str, str]]:
    """(file:line, command text) of every backticked `factory ...` in the product and in the
    README and docs a newcomer follows."""
    paths = [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*"))]
    paths += [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    found = []
    for path in paths:
        if path.suffix not in SUFFIXES or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for match in QUOTED.finditer(line):
                found.append((f"{path.relative_to(ROOT)}:{number}", match.group(1)))
    return found


def spellings(text: str) -> list[list[str]]:
    """The command lines a quote stands for: fields filled, shell redirection cut, a
    synopsis's `[optional]` brackets dropped, each `a|b` alternative spelled out."""
    text = FIELD.sub("VALUE", text).split(" < ")[0].split(" > ")[0]
    text = text.replace("\\|", "|").replace("[", "").replace("]", "")
    words = [word for word in text.split()[1:] if word != "|"]  # `--a X | --b Y`: either
    choices = [
        word.split("|") if "|" in word and not word.startswith("-") else [word] for word in words
    ]
    return [list(line) for line in itertools.product(*choices)]


def problem_with(words: list[str]) -> str | None:
    """Why `factory WORDS` would not run as written, or None. Commands are read through
    Click's public shape (a group's `commands`, a command's `params`), whichever Click
    Typer ships."""
    command: Any = typer.main.get_command(app)
    args = list(words)
    while args:
        word = args[0]
        if word in HELP or word == "..." or word.startswith("<"):
            return None  # help works everywhere; a placeholder for any command
        group = hasattr(command, "commands")
        if group and not word.startswith("-"):
            sub = command.commands.get(word)
            if sub is None:
                return f"no command {word!r} under {command.name!r}"
            command, args = sub, args[1:]
            continue
        if word.startswith("-") and group:
            option = _option(command, word)
            if option is None:
                return f"{command.name!r} takes no option {word}"
            args = args[1:] if option.is_flag or option.count else args[2:]
            continue
        break
    positionals = 0
    while args:
        word = args.pop(0)
        if word in ("...", "--", *HELP) or word.startswith("<"):
            continue
        if word.startswith("--"):
            name = word.split("=", 1)[0]
            option = _option(command, name)
            if option is None:
                return f"`{command.name}` takes no option {name}"
            if not (option.is_flag or option.count) and "=" not in word and args:
                args.pop(0)
            continue
        positionals += 1
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    if any(argument.nargs == -1 for argument in arguments):
        return None
    if positionals > len(arguments):
        return f"`{command.name}` takes {len(arguments)} argument(s), the quote gives {positionals}"
    return None


def _option(command: Any, name: str) -> Any:
    for param in command.params:
        if param.param_type_name == "option" and name in (*param.opts, *param.secondary_opts):
            return param
    return None


QUOTES = [(where, text) for where, text in quoted_commands() if " -> " not in text]
"""(The architecture's `factory -> agents -> ...` is a dependency arrow, not a command.)"""


def test_the_product_quotes_commands_at_all() -> None:
    assert len(QUOTES) > 100  # the reader below found them (a broken pattern finds none)


@pytest.mark.parametrize(("where", "text"), QUOTES, ids=[f"{w} {t}" for w, t in QUOTES])
def test_every_quoted_command_runs_as_written(where: str, text: str) -> None:
    for words in spellings(text):
        problem = problem_with(words)
        assert problem is None, f"{where}: `{text}`: {problem}"
