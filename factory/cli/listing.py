"""What a list command says when it has nothing to show: nothing yet, or nothing matched."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def nothing_to_list(
    what: str,
    filters: Mapping[str, object],
    start: str,
    *,
    known_repos: Iterable[str] | None = None,
) -> str:
    """`no runs yet: <how to make one>` when no filter was given; with filters, that nothing
    matched them, naming each (and, for an unknown `--repo`, the names factory.toml knows),
    so an empty answer is never mistaken for an empty store."""
    given = [
        flag if value is True else f"{flag} {value}"
        for flag, value in filters.items()
        if value is not None and value is not False
    ]
    if not given:
        return f"no {what} yet: {start}"
    message = f"no {what} match {' '.join(given)}"
    repo = filters.get("--repo")
    names = sorted(known_repos or [])
    if isinstance(repo, str) and known_repos is not None and repo not in names:
        known = ", ".join(names) or "none"
        message += f" (factory.toml names no repository {repo!r}; configured: {known})"
    return message
