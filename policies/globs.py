"""Path globs with gitignore/CODEOWNERS meaning, used by every path-based policy.

Python 3.11's fnmatch lets `*` cross `/` and has no `**`, which would make `src/*.py`
match `src/deep/x.py`. Here:
- `*` and `?` stay inside one path segment, `**` spans any number of segments;
- a pattern without a `/` (other than a trailing one) matches at any depth (`*.lock`);
- a pattern with a `/` is anchored at the repository root (a leading `/` is optional);
- a pattern naming a directory also matches everything beneath it (`docs/`, `.factory`).
"""

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator


@lru_cache(maxsize=1024)
def glob_regex(pattern: str, *, codeowners: bool = False) -> re.Pattern[str]:
    """The regular expression (for `fullmatch` on a repository-relative path) of a glob.

    With `codeowners`, GitHub's CODEOWNERS reading of the last segment applies instead of
    gitignore's: `docs/*` owns only the files directly in `docs/`, and `docs/` owns what is
    beneath the directory but not a file named `docs`.
    """
    body = pattern.strip()
    directory = body.endswith("/")
    anchored = body.startswith("/")
    body = body.strip("/")
    if not anchored and "/" not in body:
        body = "**/" + body
    out: list[str] = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        elif body[i] == "[" and "]" in body[i + 1 :]:
            end = body.index("]", i + 1)
            inner = body[i + 1 : end].replace("\\", "\\\\")
            if inner.startswith("!"):
                inner = "^" + inner[1:]
            out.append(f"[{inner}]")
            i = end + 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    suffix = "(?:/.*)?"  # a name matches a file, or a directory and all beneath it
    if codeowners and directory:
        suffix = "/.*"
    elif codeowners and "*" in body.rsplit("/", 1)[-1]:
        suffix = ""
    return re.compile("".join(out) + suffix, re.DOTALL)


def glob_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be used as a path glob, or None when it can.

    An empty pattern is refused rather than read as "everything": a stray `""` in a list of
    protected paths must not silently protect (or refuse) the whole repository. Use `/` or
    `**` to mean the whole repository.
    """
    if not pattern.strip():
        return "an empty pattern would match every path; write `**` if that is meant"
    try:
        glob_regex(pattern)
    except re.error as exc:
        return f"not a valid glob ({exc.msg})"
    return None


def _checked_glob(pattern: str) -> str:
    problem = glob_problem(pattern)
    if problem is not None:
        raise ValueError(f"{pattern!r}: {problem}")
    return pattern


Glob = Annotated[str, AfterValidator(_checked_glob)]
"""A path glob in configuration, validated when the configuration is read."""


def path_matches(path: str, pattern: str) -> bool:
    """True when the repository-relative `path` matches the glob `pattern`."""
    if not pattern.strip().strip("/"):
        return True  # "/" is the whole repository
    return glob_regex(pattern).fullmatch(path.lstrip("/")) is not None


def matching_paths(paths: Iterable[str], patterns: Iterable[str]) -> list[str]:
    """The paths (in order, without repeats) that match at least one pattern."""
    pattern_list = list(patterns)
    seen: dict[str, None] = {}
    for path in paths:
        if path not in seen and any(path_matches(path, p) for p in pattern_list):
            seen[path] = None
    return list(seen)
