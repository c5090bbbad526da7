"""The one error surface of the `factory` command: every failure leaves through here.

An expected failure (bad input, a missing run, an unreachable engine) is one line saying what
is wrong and what to do, and its documented exit code. An unexpected exception is a bug: one
line naming a crash report file (under the data directory) that holds the traceback, exit 1.
No traceback reaches a user unless `--debug` or `FACTORY_DEBUG=1` asks for it. With `--json`
the same failure is one JSON object on stdout: `{"ok": false, "error": {code, message, hint}}`.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel, ConfigDict
from rich.text import Text

from factory import __version__
from factory.cli.global_options import options
from factory.cli.output import console, print_json
from factory.support.errors import BAD_INPUT, FAILED, FactoryError, error_text

DEBUG_ENV = "FACTORY_DEBUG"
OS_ERROR_HINTS = {
    errno.ENOSPC: "free disk space, then `factory resume RUN` continues a run",
    errno.EACCES: "fix the permissions of that path for this user",
    errno.EPERM: "fix the permissions of that path for this user",
}
CRASH_DIR = "crashes"


class CommandError(FactoryError):
    """An expected failure a command reports: one line, a hint, and its exit code."""

    def __init__(
        self, message: str, *, exit_code: int = BAD_INPUT, code: str = "", hint: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.code = code or ("bad_input" if exit_code == BAD_INPUT else "failed")
        self.hint = hint


def _lower_package_errors() -> list[tuple[type[BaseException], str, int]]:
    """The outer packages' own error bases (they cannot import `FactoryError`), mapped in the
    same one table: each class, its `--json` code and its exit code."""
    from harness.errors import CassetteError, ModelError
    from policies.errors import PolicyConfigError
    from sandboxes.errors import SandboxError

    return [
        (PolicyConfigError, "config", BAD_INPUT),
        (CassetteError, "bad_input", BAD_INPUT),
        (SandboxError, "sandbox", FAILED),
        (ModelError, "model", FAILED),
    ]


class ErrorReport(BaseModel):
    """What `--json` prints as `error` (and the text form prints as `error:` and `hint:`)."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    hint: str = ""


def wants_json(args: Sequence[str]) -> bool:
    """`--json` anywhere before a bare `--` (options are parsed after the failure may happen)."""
    for arg in args:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


def debug_requested(args: Sequence[str]) -> bool:
    flag = os.environ.get(DEBUG_ENV, "").strip().lower()
    return flag in {"1", "true", "yes", "on"} or "--debug" in args


def expected_error(exc: BaseException) -> CommandError | None:
    """The CommandError an exception of a known kind stands for; None for a bug.

    The known kinds are imported here, on failure, so `factory --help` stays fast.
    """
    if isinstance(exc, CommandError):
        return exc
    from sqlalchemy.exc import OperationalError

    from factory.checks.findings import PreflightFailed

    if isinstance(exc, PreflightFailed):
        return CommandError(
            str(exc),
            exit_code=FAILED if exc.environment_only else BAD_INPUT,
            code="environment" if exc.environment_only else "config",
            hint="nothing was started; `factory config check` shows every problem",
        )
    if isinstance(exc, FactoryError):
        return CommandError(error_text(exc), exit_code=exc.exit_code, code=exc.code, hint=exc.hint)
    for kind, code, exit_code in _lower_package_errors():
        if isinstance(exc, kind):
            return CommandError(error_text(exc), exit_code=exit_code, code=code)
    if isinstance(exc, OperationalError):
        first = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
        return CommandError(
            f"the database failed: {first}",
            exit_code=FAILED,
            code="database",
            hint="check [factory] database_url and that the database is reachable "
            "(`factory doctor`)",
        )
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return CommandError(
            f"{exc.strerror}{where}",
            exit_code=FAILED,
            code="os_error",
            hint=OS_ERROR_HINTS.get(exc.errno or 0, ""),
        )
    return None


def usage_error(exc: typer.TyperException) -> CommandError:
    """A Click/Typer usage error (unknown option, value out of range) as a CommandError."""
    ctx: Any = getattr(exc, "ctx", None)
    hint = f"see `{ctx.command_path} --help`" if ctx is not None else "see `factory --help`"
    # Typer words a refused choice "Invalid value for '--x': Value error, 'y' is not ...".
    message = exc.format_message().replace(": Value error, ", ": ")
    return CommandError(message, exit_code=exc.exit_code or BAD_INPUT, code="usage", hint=hint)


def report(error: CommandError, *, as_json: bool) -> None:
    """Print the failure: JSON on stdout for scripts, one `error:` line on stderr for people."""
    payload = ErrorReport(code=error.code, message=error.message, hint=error.hint)
    if as_json:
        print_json({"ok": False, "error": payload.model_dump()})
        return
    out = console(stderr=True, soft_wrap=True)
    out.print(Text.assemble(("error:", "red"), " ", _printable(error.message)))
    if error.hint:
        out.print(Text.assemble(("hint:", "yellow"), " ", _printable(error.hint)))


def crash(exc: BaseException, args: Sequence[str], *, as_json: bool, debug: bool) -> int:
    """Report an unexpected exception: the traceback goes to a file, one line to the user."""
    text = "".join(traceback.format_exception(exc))
    path, why_not = write_crash_report(text, args)
    if debug:
        sys.stderr.write(_printable(text))
    summary = f"{type(exc).__name__}: {_first_line(exc)}"
    if path is not None:
        message = f"unexpected error ({summary}); the traceback is in {path}"
        hint = "this is a bug in agent-factory: please report it with that file"
    else:
        message = f"unexpected error ({summary}); no crash report could be written ({why_not})"
        hint = "run again with --debug (or FACTORY_DEBUG=1) to see the traceback"
    report(CommandError(message, exit_code=FAILED, code="crash", hint=hint), as_json=as_json)
    return FAILED


def write_crash_report(text: str, args: Sequence[str]) -> tuple[Path | None, str]:
    """Write the traceback under `<data_dir>/crashes/`, else the system's temporary folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    name = f"crash-{stamp}-{os.getpid()}.txt"
    body = (
        f"agent-factory {__version__}\n"
        f"time: {datetime.now(UTC).isoformat()}\n"
        f"command: factory {' '.join(args)}\n"
        f"python: {sys.version.split()[0]}\n\n{text}"
    )
    problem = ""
    for folder in _crash_folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / name
            target.write_text(body, encoding="utf-8", errors="backslashreplace")
            return target, ""
        except OSError as exc:
            problem = exc.strerror or str(exc)
    return None, problem


def _crash_folders() -> list[Path]:
    import tempfile

    folders: list[Path] = []
    try:
        from factory.config import load_config

        folders.append(load_config(options.config_path).factory.data_dir / CRASH_DIR)
    except Exception:  # a broken config must not hide the crash being reported
        pass
    folders.append(Path(tempfile.gettempdir()) / "agent-factory" / CRASH_DIR)
    return folders


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else "(no message)"


def _printable(text: str) -> str:
    """Text any terminal encoding can take: undecodable bytes of file names come out escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def exit_code_of(invoke: Any, args: Sequence[str]) -> int:
    """Call `invoke()` (the command line, parsed and run without Click's own error printing)
    and turn whatever comes out of it into an exit code, reporting failures on the way."""
    as_json = wants_json(args)
    try:
        result = invoke()
    except CommandError as failure:
        report(failure, as_json=as_json)
        return failure.exit_code
    except typer.Abort:
        report(CommandError("aborted", exit_code=FAILED, code="aborted"), as_json=as_json)
        return FAILED
    except typer.TyperException as exc:
        usage = usage_error(exc)
        if usage.message or as_json:  # an empty one follows help Click already printed
            report(usage, as_json=as_json)
        return usage.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else FAILED)
    except KeyboardInterrupt:
        report(CommandError("interrupted", exit_code=130, code="interrupted"), as_json=as_json)
        return 130
    except Exception as exc:
        try:
            known = expected_error(exc)
        except Exception:  # classifying must never hide the original failure
            known = None
        if known is None:
            return crash(exc, args, as_json=as_json, debug=debug_requested(args))
        if debug_requested(args):
            sys.stderr.write(_printable("".join(traceback.format_exception(exc))))
        report(known, as_json=as_json)
        return known.exit_code
    return result if isinstance(result, int) else 0
