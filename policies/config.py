"""Typed configuration of autonomy and gate policies, per repository."""

from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class AutonomyLevel(StrEnum):
    """L0 plan only, L1 pull request always, L2 merge low-risk, L3 merge what passes every gate."""

    L0 = "L0"
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"

    @property
    def rank(self) -> int:
        return int(self.value[1])


class AutonomyRange(BaseModel):
    """The band the effective level may move in as the factory earns (or loses) trust."""

    model_config = ConfigDict(extra="forbid")

    min: AutonomyLevel = AutonomyLevel.L1
    max: AutonomyLevel = AutonomyLevel.L1

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min.rank > self.max.rank:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self


class PolicySpec(BaseModel):
    """One policy to apply: a built-in name or `package.module:callable`, with parameters."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)
