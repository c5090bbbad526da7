"""Forges: where branches go and pull requests live (the embedded local forge, or GitHub).

- `base`: the `Forge` protocol, pull request data and the errors a forge raises.
- `build`: a repository's forge settings (`factory/config/forges.py`) in, a live forge out.
- `local`, `local_merge`, `local_review`: the embedded forge, pull requests kept in the store;
  `local_feedback`: its comments and reviews, kept as GitHub keeps them.
- `github`, `github_client`: GitHub through PyGithub, branches pushed with an askpass token;
  `github_feedback`: reviews, inline comments and PR comments read, replies posted.
- `feedback`: `FeedbackItem` and the `FeedbackForge` protocol (feedback to act on, replies).
- `pull_outcomes`: a person's merge or close, recorded once on the run that opened the PR.

Re-exports load on first use, so reading the configuration does not import PyGithub.
"""

from typing import TYPE_CHECKING

from factory.support.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from factory.forges.base import (
        Forge,
        ForgeError,
        MergeBlocked,
        MergeConflict,
        PullRequestInfo,
        PullRequestNotFound,
        PullRequestRequest,
    )
    from factory.forges.github import GitHubForge
    from factory.forges.local import LocalForge, push_target

_HOMES = {
    "factory.forges.base": (
        "Forge",
        "ForgeError",
        "MergeBlocked",
        "MergeConflict",
        "PullRequestInfo",
        "PullRequestNotFound",
        "PullRequestRequest",
    ),
    "factory.forges.github": ("GitHubForge",),
    "factory.forges.local": ("LocalForge", "push_target"),
}

__all__ = [
    "Forge",
    "ForgeError",
    "GitHubForge",
    "LocalForge",
    "MergeBlocked",
    "MergeConflict",
    "PullRequestInfo",
    "PullRequestNotFound",
    "PullRequestRequest",
    "push_target",
]

if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt name stays an error there
    __getattr__, __dir__ = lazy_exports("factory.forges", _HOMES, globals())
