"""The name and email on every factory commit (`[git]` in factory.toml).

Its own module, free of GitPython, because `factory.config` composes it on every CLI start.
"""

from pydantic import BaseModel, ConfigDict, Field


class BotIdentity(BaseModel):
    """Author and committer of every factory commit (`[git]` in factory.toml)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="agent-factory", min_length=1)
    email: str = Field(default="agent-factory@localhost", pattern=r"^[^@\s<>]+@[^@\s<>]+$")
