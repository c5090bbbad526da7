"""What an incident's root cause may name, checked before it is recorded.

The review counts an incident against the change its root cause names (`failures.py`): a
commit sha, `#<pr>` of a pull request the factory recorded, or a run id. A cause that is none of
these, or names something that does not exist, would be stored and then silently count for
nothing, so it is refused with what to write instead. A commit is looked up where the review
reads the repository's history (`clones.history_source`); when there is no copy to look in, the
cause is kept and the result says it could not be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from factory.config import FactoryConfig
from factory.git import GitError, factory_git, run_git
from factory.review.clones import history_source
from factory.store import RunNotFoundError, Store
from factory.support.errors import FactoryError

_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_PR = re.compile(r"^(?:[\w.-]+/[\w.-]+)?#(\d{1,18})$")
_RUN = re.compile(r"^r-[0-9a-z]{4,40}$")
WHAT_IT_MAY_BE = "a commit sha (7 to 40 hex digits), #<pull request number>, or a run id (r-...)"


class RootCauseError(FactoryError, ValueError):
    """The root cause names nothing the review could count; the message says what to write."""


@dataclass(frozen=True)
class RootCause:
    text: str
    """As it will be stored: trimmed, lower-case for a sha."""
    kind: Literal["commit", "pull_request", "run"]
    checked: bool
    """False when the repository had no local copy to look the commit up in."""
    note: str = ""


def check_root_cause(config: FactoryConfig, store: Store, repo: str, cause: str) -> RootCause:
    """The root cause `cause` of an incident in `repo`, once it is known to exist."""
    text = cause.strip().strip("`")
    if _RUN.match(text):
        try:
            run = store.runs.get(text)
        except RunNotFoundError:
            raise RootCauseError(
                f"root cause {text}: no such run; `factory runs list` shows them"
            ) from None
        if run.repo != repo:
            raise RootCauseError(f"root cause {text} is a run in {run.repo}, not in {repo}")
        return RootCause(text, "run", checked=True)
    pull = _PR.match(text)
    if pull:
        number = int(pull.group(1))
        if store.pull_requests.get(repo, number) is None:
            raise RootCauseError(
                f"root cause #{number}: the factory recorded no pull request #{number} in {repo}; "
                "name the commit that pull request merged instead"
            )
        return RootCause(f"#{number}", "pull_request", checked=True)
    if _SHA.match(text.lower()):
        return _commit(config, repo, text.lower())
    raise RootCauseError(f"root cause {cause!r} is not {WHAT_IT_MAY_BE}")


def _commit(config: FactoryConfig, repo: str, sha: str) -> RootCause:
    source = history_source(config, config.repo(repo))
    if source.path is None:
        note = f"commit {sha} was not checked: {source.note}"
        return RootCause(sha, "commit", checked=False, note=note)
    try:
        full = run_git(
            factory_git(source.path),
            "rev-parse",
            "--verify",
            "--quiet",
            f"{sha}^{{commit}}",
            action="find the commit",
        )
    except GitError:
        raise RootCauseError(
            f"root cause {sha}: no such commit in {repo} ({source.path})"
        ) from None
    return RootCause(full, "commit", checked=True)
