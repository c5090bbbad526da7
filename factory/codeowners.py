"""CODEOWNERS as GitHub reads it: rules in file order, the last matching rule wins.

One parser and one matcher for both the `owners` gate policy (who must review) and the
forge (whom to request). GitHub's globs differ from gitignore's in one way that matters
here: `docs/*` owns only the files directly in `docs/`, not those in its subdirectories.
"""

import re
from collections.abc import Sequence
from functools import lru_cache

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")

Rules = list[tuple[str, list[str]]]


def parse_codeowners(text: str) -> Rules:
    """(pattern, owners) rules in file order; owners as written (`@user`, `@org/team`, e-mail)."""
    rules: Rules = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        pattern, *owners = line.replace("\\ ", "\x00").split()
        rules.append((pattern.replace("\x00", " "), owners))
    return rules


def owners_of(path: str, rules: Sequence[tuple[str, list[str]]]) -> list[str]:
    """The owners of the last rule matching `path` (repository-relative), or none."""
    for pattern, owners in reversed(rules):
        if _compile(pattern).search(path.lstrip("/")):
            return list(owners)
    return []


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
