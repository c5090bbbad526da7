"""Which forge a repository uses, as typed data: one settings class per forge, chosen by
`RepoConfig.forge_settings()` and turned into a live forge by `factory.forges.build`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

GITHUB_TOKEN_ENV = "GITHUB_TOKEN"
"""Where the GitHub token comes from (`Secrets.from_env` reads it; nothing else does)."""


class LocalForgeSettings(BaseModel):
    """The embedded forge: pull requests kept in the store, branches pushed to `path`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["local"] = "local"
    name: str
    path: Path


class GitHubForgeSettings(BaseModel):
    """A GitHub repository (`owner/name`), on github.com or GitHub Enterprise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["github"] = "github"
    repo: str


ForgeSettings = Annotated[LocalForgeSettings | GitHubForgeSettings, Field(discriminator="type")]
