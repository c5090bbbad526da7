"""`build_forge`: a repository's forge settings in, a live `Forge` out."""

from __future__ import annotations

from pathlib import Path

from factory.config.forges import (
    GITHUB_TOKEN_ENV,
    ForgeSettings,
    GitHubForgeSettings,
    LocalForgeSettings,
)
from factory.config.git import BotIdentity
from factory.config.settings import FactoryConfig, RepoConfig, Secrets
from factory.forges.base import Forge, ForgeError
from factory.forges.checks import ChecksForge
from factory.forges.local import PullRequestStore


class MissingForgeToken(ForgeError):
    """The forge needs a credential the environment does not hold."""


def build_forge(
    settings: ForgeSettings,
    *,
    pull_requests: PullRequestStore,
    data_dir: Path,
    identity: BotIdentity,
    github_token: str | None = None,
) -> Forge:
    """The forge `settings` name; GitHub needs a token (MissingForgeToken otherwise)."""
    if isinstance(settings, LocalForgeSettings):
        from factory.forges.local import LocalForge

        return LocalForge(
            pull_requests,
            repo_name=settings.name,
            repo_path=settings.path,
            clone_cache=data_dir / "clones",
            identity=identity,
        )
    assert isinstance(settings, GitHubForgeSettings)
    from factory.forges.github import GitHubForge
    from factory.forges.github_client import github_api_url

    if not github_token:
        raise MissingForgeToken(
            f"{settings.repo} is on GitHub: set {GITHUB_TOKEN_ENV} to push and open PRs"
        )
    return GitHubForge(
        settings.repo, github_token, helper_dir=data_dir / "askpass", api_url=github_api_url()
    )


def repo_forge(
    config: FactoryConfig,
    pull_requests: PullRequestStore,
    name: str,
    repo: RepoConfig | None = None,
) -> Forge:
    """The forge repository `name` lives on, with the token from the environment. `repo` is
    the repository as the caller resolved it: a checkout given by its path has no `[repos]`
    entry to look `name` up in."""
    token = Secrets.from_env().github_token
    return build_forge(
        (repo or config.repo(name)).forge_settings(name),
        pull_requests=pull_requests,
        data_dir=config.factory.data_dir,
        identity=config.git,
        github_token=token.get_secret_value() if token else None,
    )


def forge_checks(
    config: FactoryConfig, name: str, repo: RepoConfig, forge: Forge
) -> ChecksForge | None:
    """Where the CI of repository `name` is read: GitHub's checks, or on the local forge its
    test command (and `ci_command`) run in the sandbox. None for a forge without CI."""
    if isinstance(forge, ChecksForge):
        return forge
    target = getattr(forge, "target", None)
    if forge.kind == "local" and isinstance(target, Path):
        from factory.forges.local_checks import LocalChecks

        return LocalChecks(config, name, repo, target)
    return None
