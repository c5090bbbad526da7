"""Reviewers for a change, from the base branch's CODEOWNERS (GitHub's rules: last match wins)."""

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from factory.git import read_from_base

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


def parse_codeowners(text: str) -> list[tuple[str, list[str]]]:
    """(pattern, owners) rules in file order; owners keep their `@`, emails are dropped."""
    rules: list[tuple[str, list[str]]] = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        pattern, *owners = line.split()
        rules.append((pattern, [owner for owner in owners if owner.startswith("@")]))
    return rules


def reviewers_for(codeowners_text: str, changed_paths: Iterable[str]) -> list[str]:
    """Owners of the changed files, without `@`, in first-seen order (`org/team` for teams)."""
    rules = parse_codeowners(codeowners_text)
    reviewers: list[str] = []
    for path in changed_paths:
        owners: list[str] = []
        for pattern, rule_owners in rules:
            if _compile(pattern).search(path.lstrip("/")):
                owners = rule_owners
        for owner in owners:
            name = owner.removeprefix("@")
            if name not in reviewers:
                reviewers.append(name)
    return reviewers


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    directory = pattern.endswith("/")
    regex = ""
    index = 0
    while index < len(body):
        if body.startswith("**/", index):
            regex += "(?:.*/)?"
            index += 3
        elif body.startswith("**", index):
            regex += ".*"
            index += 2
        elif body[index] == "*":
            regex += "[^/]*"
            index += 1
        elif body[index] == "?":
            regex += "[^/]"
            index += 1
        else:
            regex += re.escape(body[index])
            index += 1
    prefix = "^" if anchored else "(?:^|/)"
    # A name without wildcards may be a file or a directory (owning all below it); `docs/*`
    # owns only the files directly in docs/, as on GitHub.
    if directory:
        suffix = "/"
    elif "*" in body.rsplit("/", 1)[-1]:
        suffix = "$"
    else:
        suffix = "(?:$|/)"
    return re.compile(prefix + regex + suffix)


def codeowner_reviewers(repo: Path, base: str, changed_paths: Iterable[str]) -> list[str]:
    """Reviewers for `changed_paths` from the CODEOWNERS on the base branch (not the run's)."""
    for location in CODEOWNERS_PATHS:
        text = read_from_base(repo, base, location)
        if text is not None:
            return reviewers_for(text, changed_paths)
    return []
