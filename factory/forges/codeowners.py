"""Reviewers for a change, from the base branch's CODEOWNERS (see `factory.codeowners`)."""

from collections.abc import Iterable
from pathlib import Path

from factory.codeowners import CODEOWNERS_PATHS, owners_of, parse_codeowners
from factory.git import read_from_base


def reviewers_for(codeowners_text: str, changed_paths: Iterable[str]) -> list[str]:
    """Owners of the changed files, without `@`, in first-seen order (`org/team` for teams).

    Parsing and matching are the gate's own (`factory.codeowners`), so the reviewers asked
    for are exactly the owners the `owners` policy judged by. E-mail owners cannot be
    requested as reviewers and are left out.
    """
    rules = parse_codeowners(codeowners_text)
    reviewers: list[str] = []
    for path in changed_paths:
        for owner in owners_of(path, rules):
            name = owner.removeprefix("@")
            if owner.startswith("@") and name not in reviewers:
                reviewers.append(name)
    return reviewers


def codeowner_reviewers(repo: Path, base: str, changed_paths: Iterable[str]) -> list[str]:
    """Reviewers for `changed_paths` from the CODEOWNERS on the base branch (not the run's)."""
    for location in CODEOWNERS_PATHS:
        text = read_from_base(repo, base, location)
        if text is not None:
            return reviewers_for(text, changed_paths)
    return []
