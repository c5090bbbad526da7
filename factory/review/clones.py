"""Where the review reads a repository's git history and base-branch files: its configured
`path`, else, for a repository on GitHub, the factory's own cached clone of it (made and fetched
by every run), as of that clone's last fetch; and which branch is its base."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from factory.config import ConfigError, FactoryConfig, RepoConfig
from factory.git import GitError, factory_git, run_git
from factory.git.base_branch import base_branch_of


@dataclass(frozen=True)
class HistorySource:
    path: Path | None
    """None: nothing to read (the note says why)."""
    base: str | None
    note: str | None = None


def history_source(config: FactoryConfig, settings: RepoConfig) -> HistorySource:
    path: Path | None
    note: str | None
    base: str | None
    if settings.path is not None:
        path, note = settings.path, None
    else:
        path, note = _cached_clone(config, settings)
        if path is None:
            return HistorySource(None, None, note)
    try:
        base = base_branch_of(settings)
    except ConfigError:
        base = _clone_head(path)
    if base is None:
        return HistorySource(None, None, "base branch unknown (set base_branch)")
    return HistorySource(path, base, note)


def _cached_clone(config: FactoryConfig, settings: RepoConfig) -> tuple[Path | None, str]:
    if settings.github is None:
        return None, "no local clone configured"
    wanted = "/" + settings.github.lower()
    tail = settings.github.split("/")[-1]
    for candidate in sorted((config.factory.data_dir / "clones").glob(f"{tail}-*.git")):
        url = _git(candidate, "config", "--get", "remote.origin.url")
        if url and url.rstrip("/").lower().removesuffix(".git").endswith(wanted):
            return candidate, "read from the factory's cached clone, as of its last fetch"
    return None, "no local clone (no `path`, and no run has cloned it yet)"


def _clone_head(path: Path) -> str | None:
    """The branch a clone's HEAD names: the remote's default branch in a cached clone."""
    return _git(path, "symbolic-ref", "--short", "HEAD")


def _git(path: Path, *args: str) -> str | None:
    try:
        return run_git(factory_git(path), *args, action="read the clone") or None
    except GitError:
        return None
