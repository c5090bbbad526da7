"""Forges: where branches go and pull requests live (the embedded local forge, or GitHub)."""

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
