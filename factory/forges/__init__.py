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
from factory.forges.codeowners import (
    CODEOWNERS_PATHS,
    codeowner_reviewers,
    parse_codeowners,
    reviewers_for,
)
from factory.forges.github import GitHubForge
from factory.forges.local import LocalForge, push_target

__all__ = [
    "CODEOWNERS_PATHS",
    "codeowner_reviewers",
    "Forge",
    "ForgeError",
    "GitHubForge",
    "LocalForge",
    "MergeBlocked",
    "MergeConflict",
    "PullRequestInfo",
    "PullRequestNotFound",
    "PullRequestRequest",
    "parse_codeowners",
    "push_target",
    "reviewers_for",
]
