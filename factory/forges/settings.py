"""Which forge a repository uses, as typed data: one settings class per forge, each of which
builds its forge (`settings.build(...)`), chosen by `RepoConfig.forge_settings()`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from factory.forges.base import Forge
    from factory.forges.local import PullRequestStore
    from factory.git.identity import BotIdentity

GITHUB_TOKEN_ENV = "GITHUB_TOKEN"
"""Where the GitHub token comes from (`Secrets.from_env` reads it; nothing else does)."""


class MissingForgeToken(Exception):
    """The forge needs a credential the environment does not hold."""


class LocalForgeSettings(BaseModel):
    """The embedded forge: pull requests kept in the store, branches pushed to `path`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["local"] = "local"
    name: str
    path: Path

    def build(
        self,
        *,
        pull_requests: PullRequestStore,
        data_dir: Path,
        identity: BotIdentity,
        github_token: str | None = None,
    ) -> Forge:
        from factory.forges.local import LocalForge

        return LocalForge(
            pull_requests,
            repo_name=self.name,
            repo_path=self.path,
            clone_cache=data_dir / "clones",
            identity=identity,
        )


class GitHubForgeSettings(BaseModel):
    """A GitHub repository (`owner/name`), on github.com or GitHub Enterprise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["github"] = "github"
    repo: str

    def build(
        self,
        *,
        pull_requests: PullRequestStore,
        data_dir: Path,
        identity: BotIdentity,
        github_token: str | None = None,
    ) -> Forge:
        from factory.forges.github import GitHubForge
        from factory.forges.github_client import github_api_url

        if not github_token:
            raise MissingForgeToken(
                f"{self.repo} is on GitHub: set {GITHUB_TOKEN_ENV} to push and open PRs"
            )
        return GitHubForge(
            self.repo, github_token, helper_dir=data_dir / "askpass", api_url=github_api_url()
        )


ForgeSettings = Annotated[LocalForgeSettings | GitHubForgeSettings, Field(discriminator="type")]
