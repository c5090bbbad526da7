"""The options several commands share, defined once: one name, one type, one grammar, one help.

A command declares `as_json: JsonFlag = False` or `since: Since = "30d"`; it never writes its
own `typer.Option("--json", ...)`. tests/unit/factory/cli/test_option_vocabulary.py walks every
command and fails when two options of one name differ in type, grammar or (for the options
here) help text.

- `--json`: JSON on stdout instead of text, failures included.
- `--repo NAME`: a repository by its name in factory.toml; a command that also works on an
  unconfigured checkout (`run`) takes `--repo NAME|PATH`, and its help says so.
- `--since`, `--until`: a time in the one grammar of `factory/support/timespec.py`; a time
  that cannot be read, or lies more than a century away, is a usage error (exit 2) before
  any work.
- `--output`/`-o FILE`: where a command that writes a document writes it (default stdout).
- `--label`: a ticket label, as on GitHub.
- `--budget-usd`: dollars, finite, more than 0 and at most a million.
- every other number has a bound where a database, the engine or arithmetic would overflow:
  a record's number (`incident resolve N`, `pr show N`, `jobs show N`) is at most
  `MAX_RECORD_ID`, a listing's `--limit` at most `MAX_LISTED`, and seconds go through
  `seconds` (tests/unit/factory/cli/test_numeric_options.py walks every command for it).

Old spellings stay as hidden options (`hidden_alias`), so scripts keep working; a command
takes the first of the new and the old spelling that was given (`either`).
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from factory.support.timespec import EXAMPLES, TimeSpecError, parse_duration, parse_moment

T = TypeVar("T")

JSON_HELP = 'Print JSON for scripts instead of text; a failure too, as {"ok": false, "error": ...}.'
REPO_HELP = "The repository, by its name in factory.toml."
CHECKOUT_HELP = "The repository, by its name in factory.toml, or the path of a git checkout."
SINCE_HELP = (
    f"From this time: that long before now ({EXAMPLES}; before --until where the command has "
    "one), or an ISO date or date and time, UTC unless it says (2026-11-01, 2026-11-01T09:00)."
)
UNTIL_HELP = "Up to this time (default: now), written as for --since."
OUTPUT_HELP = "Write to this file instead of stdout."
LABEL_HELP = "A ticket label, as on GitHub (agent-ready, bug, ...)."


def moment_text(text: str) -> str:
    """The time as typed, once the one grammar has read it: a bad or out-of-range time fails
    here, as a usage error naming the option. Commands read it with `parse_moment`, against
    their own anchor (a review's `--since 30d` counts back from its `--until`)."""
    try:
        parse_moment(text)
    except TimeSpecError as error:
        raise typer.BadParameter(str(error)) from None
    return text.strip()


def duration(text: str) -> timedelta:
    """A span in the one grammar (`8h`, `90m`, `1h30m`, `2d`), positive, at most a century."""
    try:
        return parse_duration(text)
    except TimeSpecError as error:
        raise typer.BadParameter(str(error)) from None


MAX_DOLLARS = 1_000_000.0
"""A budget above a million dollars is a typo, not a limit."""
MAX_RECORD_ID = 2**63 - 1
"""The largest number a database row can carry (a signed 64-bit integer)."""
MAX_FILE_LINE = 2**31 - 1
"""The largest line number a comment can point at (a 32-bit integer column)."""
MAX_LISTED = 100_000
"""The most rows a listing prints at once."""
MAX_COMMAND_SECONDS = 86_400.0
MAX_TOKENS = 10**12
"""A token budget past a trillion is a typo."""


def dollars(text: str) -> float:
    """An amount of US dollars a budget can enforce: a finite number more than 0."""
    try:
        amount = float(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a number of dollars (e.g. 5 or 2.50)") from None
    if not math.isfinite(amount) or amount <= 0:
        raise typer.BadParameter(f"{text!r}: a budget is a finite amount of dollars, more than 0")
    if amount > MAX_DOLLARS:
        raise typer.BadParameter(f"{text!r}: a budget is at most {MAX_DOLLARS:,.0f} dollars")
    return amount


def seconds(text: str) -> float:
    """Seconds a command may take: a finite number more than 0, at most a day."""
    try:
        value = float(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a number of seconds (e.g. 60 or 2.5)") from None
    if not math.isfinite(value) or not 0 < value <= MAX_COMMAND_SECONDS:
        raise typer.BadParameter(f"{text!r}: give seconds more than 0, at most a day (86400)")
    return value


def hidden_alias(*names: str) -> Any:
    """An old spelling kept working for scripts, left out of `--help`."""
    return typer.Option(None, *names, hidden=True)


def either(value: T, old: T | None, default: T) -> T:
    """The value given under the current spelling, else under the old one, else `default`."""
    if value != default:
        return value
    return default if old is None else old


_JSON = typer.Option("--json", help=JSON_HELP)
_REPO = typer.Option("--repo", metavar="NAME", help=REPO_HELP)
_SINCE = typer.Option("--since", metavar="TIME", parser=moment_text, help=SINCE_HELP)
_UNTIL = typer.Option("--until", metavar="TIME", parser=moment_text, help=UNTIL_HELP)
_OUTPUT = typer.Option("--output", "-o", metavar="FILE", help=OUTPUT_HELP)
_LABEL = typer.Option("--label", metavar="LABEL", help=LABEL_HELP)

JsonFlag = Annotated[bool, _JSON]
Repo = Annotated[str, _REPO]
"""A required `--repo NAME`."""
OptionalRepo = Annotated[str | None, _REPO]
Repos = Annotated[list[str], _REPO]
"""`--repo NAME`, repeatable: any of these repositories."""
RepoOrCheckout = Annotated[
    str | None, typer.Option("--repo", metavar="NAME|PATH", help=CHECKOUT_HELP)
]
"""`--repo` of a command that also works on a checkout that is not configured (`run`)."""
Since = Annotated[str, _SINCE]
OptionalSince = Annotated[str | None, _SINCE]
OptionalUntil = Annotated[str | None, _UNTIL]
Output = Annotated[Path | None, _OUTPUT]
OptionalLabel = Annotated[str | None, _LABEL]
Labels = Annotated[list[str], _LABEL]
"""`--label LABEL`, repeatable."""

SHARED_HELP = {
    "--json": (JSON_HELP,),
    "--repo": (REPO_HELP, CHECKOUT_HELP),
    "--since": (SINCE_HELP,),
    "--until": (UNTIL_HELP,),
    "--output": (OUTPUT_HELP,),
    "--label": (LABEL_HELP,),
}
"""The help a shared option may have: one text each, and for `--repo` the name-only text or
the text that also allows a checkout. Every command's option of that name uses one of them."""
