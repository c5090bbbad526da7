"""Where the review reads a repository's git history and base-branch files: its configured
`path`, else, for a repository on GitHub, the factory's own cached clone of it (made and fetched
by every run), as of that clone's last fetch."""

from __future__ import annotations

from pathlib import Path

from factory.config import FactoryConfig, RepoConfig
from factory.git import GitError, factory_git, run_git


def history_source(config: FactoryConfig, settings: RepoConfig) -> tuple[Path | None, str | None]:
    """(repository to read, a note for the review when it is a cached clone), or (None, why)."""
    if settings.path is not None:
        return settings.path, None
    if settings.github is None:
        return None, "no local clone configured"
    wanted = "/" + settings.github.lower()
    tail = settings.github.split("/")[-1]
    for candidate in sorted((config.factory.data_dir / "clones").glob(f"{tail}-*.git")):
        try:
            url = run_git(
                factory_git(candidate),
                "config",
                "--get",
                "remote.origin.url",
                action="read the cached clone's origin",
            )
        except GitError:
            continue
        if url.rstrip("/").lower().removesuffix(".git").endswith(wanted):
            return candidate, "read from the factory's cached clone, as of its last fetch"
    return None, "no local clone (no `path`, and no run has cloned it yet)"
