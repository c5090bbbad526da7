"""A repository's gate, assembled from its config and its base branch.

The gate node of a run and `factory policy check` both come here, so evaluate mode judges a
change exactly as a run would. Policy sources under `.factory/policies/` are read from the
base branch; a missing file fails closed inside the policy, not here.
"""

from pathlib import Path

from factory.config import RepoConfig
from factory.git.base_branch import base_branch_of
from factory.git.base_reader import BaseSnapshot
from factory.git.command import GitError
from policies.config import AutonomyLevel, AutonomyRange
from policies.evaluation import build_policies, repo_policy_paths
from policies.protocol import Policy


def read_policy_sources(repo: RepoConfig, base: BaseSnapshot | None) -> dict[str, str | None]:
    """Base-branch source of each `.factory/policies/...` the repo lists (None: not there)."""
    return {
        path: base.read(path) if base is not None else None
        for path in repo_policy_paths(repo.policies)
    }


def repo_policies(repo: RepoConfig, base: BaseSnapshot | None) -> list[Policy]:
    """Every policy that governs `repo` (raises PolicyConfigError on a bad listing); without a
    base to read from, the repository's own policy files fail closed inside the policy."""
    return build_policies(
        repo.policies,
        protected_paths=repo.protected_paths,
        repo_sources=read_policy_sources(repo, base),
    )


def open_base(repo: RepoConfig, clone: Path | None) -> BaseSnapshot | None:
    """The base branch of `repo` in `clone` (default: its configured `path`), or None when
    there is nothing to read it from."""
    source = clone or repo.path
    if source is None:
        return None
    try:
        return BaseSnapshot(source, base_branch_of(repo))
    except GitError:
        return None


def clamp_level(bounds: AutonomyRange, level: AutonomyLevel) -> AutonomyLevel:
    """`level` moved inside `bounds` (a recorded level replayed under a narrower range)."""
    return list(AutonomyLevel)[min(max(level.rank, bounds.min.rank), bounds.max.rank)]
