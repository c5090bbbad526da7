"""What a failed forge check is, and what of its log a coder needs: pure functions.

- *infrastructure*: the runner or the setup failed, not the change (a runner lost, a disk
  full, a download refused, a cancelled or never-started job, a status in `error`). No agent
  can fix that; the factory says so on the pull request and in the record.
- *rerun*: a failure not yet confirmed: it is rerun (at most `[repos] flaky_reruns` times per
  head commit), with no agent. One that passes on its rerun was *flaky*.
- *deterministic*: it failed again on its rerun (or cannot be rerun): a fix round's work.

The failure signature names a failure independently of noise (timestamps, durations, ids,
temporary paths): the normalised names of the failing checks plus a hash of the error lines
of their log excerpts. A fix round never starts twice on one signature without a change since.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Literal

from factory.forges.checks import CheckRun

FailureKind = Literal["infrastructure", "rerun", "deterministic"]

INFRASTRUCTURE_CONCLUSIONS = frozenset({"startup_failure", "cancelled", "stale", "error"})
"""Conclusions (and a status's `error` state) that say the check could not run at all."""

INFRASTRUCTURE_PATTERNS = re.compile(
    "|".join(
        (
            r"The runner has received a shutdown signal",
            r"lost communication with the server",
            r"The hosted runner encountered an error",
            r"No space left on device",
            r"Unable to (?:resolve|download) action",
            r"Could not resolve host",
            r"Temporary failure in name resolution",
            r"Cannot connect to the Docker daemon",
            r"toomanyrequests",
            r"API rate limit exceeded",
            r"The job was not started because",
            r"The operation was canceled",
            r"exceeded the maximum execution time",
        )
    ),
    re.IGNORECASE,
)
"""Log lines GitHub's runners and common setup steps print when the machine, not the code,
failed."""

_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_COMMANDS = re.compile(r"^##\[(?:group|endgroup|section|command)\]")
_ERROR_LINE = re.compile(
    r"error|fail|assert|exception|traceback|panic|fatal|not ok|\bE\s{2,}", re.IGNORECASE
)
_NOT_AN_ERROR = re.compile(r"\b0 (?:failed|errors?)\b|\bno errors?\b", re.IGNORECASE)
_NOISE = (
    (re.compile(r"\b[0-9a-f]{7,40}\b"), "<sha>"),
    (re.compile(r"0x[0-9a-fA-F]+"), "<addr>"),
    (re.compile(r"/tmp/[^\s:'\"]+"), "<tmp>"),
    (re.compile(r"\d+(?:\.\d+)?\s*(?:ms|s|sec|seconds)\b"), "<time>"),
    (re.compile(r"\d+"), "<n>"),
)

EXCERPT_LINES = 60
EXCERPT_CHARS = 6000


def clean_log(log: str) -> list[str]:
    """The log's lines without GitHub's timestamps, colour codes and group markers."""
    lines = []
    for raw in log.replace("\r\n", "\n").split("\n"):
        line = _ANSI.sub("", _TIMESTAMP.sub("", raw)).rstrip()
        lines.append(_COMMANDS.sub("", line))
    while lines and not lines[-1]:
        lines.pop()
    return lines


def error_lines(lines: Sequence[str]) -> list[str]:
    """The lines that say what failed."""
    return [line for line in lines if _ERROR_LINE.search(line) and not _NOT_AN_ERROR.search(line)]


def log_excerpt(log: str) -> str:
    """The part of a failed check's log a coder reads: the lines up to its last error line
    (the tail when none says "error"), at most EXCERPT_LINES lines and EXCERPT_CHARS chars."""
    lines = clean_log(log)
    errors = set(error_lines(lines))
    last = max((i for i, line in enumerate(lines) if line in errors), default=-1)
    end = last + 3 if last >= 0 else len(lines)
    excerpt = "\n".join(lines[max(0, end - EXCERPT_LINES) : end])
    return excerpt[-EXCERPT_CHARS:]


def is_infrastructure(check: CheckRun, log: str) -> str | None:
    """Why `check` failed for reasons of the machine, not the change; None when it did not."""
    if check.conclusion in INFRASTRUCTURE_CONCLUSIONS:
        return f"the check ended `{check.conclusion}`: it did not run to a result"
    if check.conclusion == "action_required":
        return "the check waits for a person to approve its run"
    for line in clean_log(log):
        if INFRASTRUCTURE_PATTERNS.search(line):
            return f"the runner reported: {line.strip()[:200]}"
    return None


def classify_failure(
    check: CheckRun, log: str, *, reruns_done: int, flaky_reruns: int
) -> tuple[FailureKind, str]:
    """What to do about a failed check, and why."""
    infrastructure = is_infrastructure(check, log)
    if infrastructure is not None:
        return "infrastructure", infrastructure
    if check.rerunnable and reruns_done < flaky_reruns:
        return "rerun", f"rerun {reruns_done + 1} of {flaky_reruns}: a flaky check passes on it"
    if reruns_done:
        return "deterministic", f"failed again after {reruns_done} rerun(s)"
    if not check.rerunnable:
        return "deterministic", "the forge cannot rerun it"
    return "deterministic", "no reruns allowed (`flaky_reruns = 0`)"


def normalised_name(name: str) -> str:
    return " ".join(name.lower().split())


def _normalised_error(line: str) -> str:
    text = line.strip()
    for pattern, replacement in _NOISE:
        text = pattern.sub(replacement, text)
    return text


def failure_signature(failures: Iterable[tuple[str, str]]) -> str:
    """sha256 of the failing checks' normalised names and their excerpts' error lines, each
    line freed of timestamps, durations, ids and temporary paths. `failures`: (name, log)."""
    names: list[str] = []
    errors: list[str] = []
    for name, log in sorted(failures, key=lambda item: normalised_name(item[0])):
        names.append(normalised_name(name))
        excerpt = log_excerpt(log).split("\n")
        errors.extend(_normalised_error(line) for line in error_lines(excerpt))
    error_hash = hashlib.sha256("\n".join(errors).encode()).hexdigest()
    return hashlib.sha256(f"ci\n{','.join(names)}\n{error_hash}".encode()).hexdigest()
