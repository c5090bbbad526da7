"""Typed configuration of models, budgets and prices (`[models.*]`, `[budgets]`, `[pricing.*]`)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Provider = Literal["anthropic", "openai", "replay"]
AgentRole = Literal["planner", "coder", "tester", "reviewer"]


class ModelConfig(BaseModel):
    """One model endpoint. API keys never live here: they come from the environment."""

    model_config = ConfigDict(extra="forbid")

    provider: Provider = "anthropic"
    model: str = "claude-sonnet-5-5"
    base_url: str | None = None
    """For OpenAI-compatible servers (Ollama, vLLM, llama.cpp) or a proxy."""
    max_tokens: int = Field(default=8192, gt=0)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    context_window: int = Field(default=200_000, gt=0)
    """Tokens the model accepts; older tool output is elided before history reaches it."""
    cassette: str | None = None
    """provider = "replay" only: the JSONL cassette to play (see docs/harness.md)."""
    replay_mode: Literal["sequential", "strict"] = "sequential"
    """provider = "replay" only: `strict` also checks each request against the recorded one."""


class ModelsConfig(BaseModel):
    """`[models.default]` plus optional per-role overrides (`[models.coder]`, ...)."""

    model_config = ConfigDict(extra="forbid")

    default: ModelConfig = ModelConfig()
    planner: ModelConfig | None = None
    coder: ModelConfig | None = None
    tester: ModelConfig | None = None
    reviewer: ModelConfig | None = None

    def for_role(self, role: AgentRole) -> ModelConfig:
        chosen: ModelConfig | None = getattr(self, role)
        return chosen or self.default


class BudgetConfig(BaseModel):
    """Limits for one run, shared by all its agents. The loop stops cleanly when one is spent."""

    model_config = ConfigDict(extra="forbid")

    max_steps: int = Field(default=200, gt=0)
    max_tokens: int = Field(default=2_000_000, gt=0)
    max_usd: float = Field(default=10.0, gt=0)
    max_wall_s: float = Field(default=3600.0, gt=0)


class ModelPrice(BaseModel):
    """US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_read: float = Field(default=0.0, ge=0)
    cache_write: float = Field(default=0.0, ge=0)
