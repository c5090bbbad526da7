"""A repository's gate, assembled from its config and its base branch.

The gate node of a run and `factory policy check` both come here, so evaluate mode judges a
change exactly as a run would. Policy sources under `.factory/policies/` are read from the
base branch; a missing file fails closed inside the policy, not here.
"""

from pathlib import Path

from factory.config import RepoConfig
from factory.git import read_from_base
from factory.git.command import GitError
from policies.config import AutonomyLevel, AutonomyRange, EarnedAutonomyRule, RiskRule
from policies.evaluation import build_policies, repo_policy_paths
from policies.protocol import Policy


def earned_autonomy_rule(repo: RepoConfig) -> EarnedAutonomyRule:
    """The repo's `earned_autonomy` table when its config has one, else the defaults."""
    rule = getattr(repo, "earned_autonomy", None)
    return rule if isinstance(rule, EarnedAutonomyRule) else EarnedAutonomyRule()


def risk_rule(repo: RepoConfig) -> RiskRule:
    """The repo's `risk` table when its config has one, else the defaults."""
    rule = getattr(repo, "risk", None)
    return rule if isinstance(rule, RiskRule) else RiskRule()


def read_policy_sources(repo: RepoConfig, clone: Path | None) -> dict[str, str | None]:
    """Base-branch source of each `.factory/policies/...` the repo lists (None: not there)."""
    sources: dict[str, str | None] = {}
    for path in repo_policy_paths(repo.policies):
        if clone is None:
            sources[path] = None
            continue
        try:
            sources[path] = read_from_base(clone, repo.base, path)
        except GitError:
            sources[path] = None
    return sources


def repo_policies(repo: RepoConfig, clone: Path | None) -> list[Policy]:
    """Every policy that governs `repo` (raises PolicyConfigError on a bad listing)."""
    return build_policies(
        repo.policies,
        protected_paths=repo.protected_paths,
        repo_sources=read_policy_sources(repo, clone),
    )


def clamp_level(bounds: AutonomyRange, level: AutonomyLevel) -> AutonomyLevel:
    """`level` moved inside `bounds` (a recorded level replayed under a narrower range)."""
    return list(AutonomyLevel)[min(max(level.rank, bounds.min.rank), bounds.max.rank)]
