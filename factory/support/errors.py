"""The base of the product's expected errors, and an exception's message as a person reads it.

An expected error is one a user can act on: bad input, a missing run, an unreachable engine.
Each subclass says which exit code and which `--json` error code it stands for, so the CLI maps
every error to its exit in one table (`factory/cli/errors.py`) instead of one `except` per kind.
"""

from __future__ import annotations

BAD_INPUT = 2
"""Exit code for anything the user can fix in what they typed or configured."""
FAILED = 1
"""Exit code for an environment that failed (Docker, git, a forge, a model) or a bug."""


class FactoryError(Exception):
    """An expected failure of the factory: one line a person can act on.

    Subclasses set `exit_code` and `code` (the `error.code` of `--json` output) as class
    attributes; an instance may override them, and carry a `hint` saying what to do next.
    """

    exit_code: int = BAD_INPUT
    code: str = "bad_input"
    hint: str = ""


def error_text(exc: BaseException) -> str:
    """The message as it was written: `str()` of a plain KeyError wraps it in quotes."""
    if isinstance(exc, KeyError) and type(exc).__str__ is KeyError.__str__ and len(exc.args) == 1:
        return str(exc.args[0])
    return str(exc)
