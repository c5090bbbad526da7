"""Typed configuration of models, budgets and prices (`[models.*]`, `[budgets]`, `[pricing.*]`).

Pure data: `harness.build.build_model` turns a provider's table into its `ChatModel`, so the
providers (and their slow SDK imports) depend on this module and never the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

Provider = Literal["anthropic", "openai", "replay"]
AgentRole = Literal["planner", "coder", "tester", "reviewer"]


class _ModelSettings(BaseModel):
    """What every provider's `[models.*]` table has. API keys never live here: they come from
    the environment."""

    model_config = ConfigDict(extra="forbid")

    model: str = "claude-sonnet-5-5"
    max_tokens: int = Field(default=8192, gt=0, le=1_000_000)
    context_window: int = Field(default=200_000, gt=0, le=100_000_000)
    """Tokens the model accepts; older tool output is elided before history reaches it."""


class AnthropicConfig(_ModelSettings):
    """`provider = "anthropic"` (the default): the Messages API, key in ANTHROPIC_API_KEY."""

    provider: Literal["anthropic"] = "anthropic"
    base_url: str | None = None
    """A compatible proxy, when not Anthropic's own endpoint."""
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)

    def missing_requirement(self, environ: Mapping[str, str]) -> str | None:
        """What this model still needs before a run can reach it, or None."""
        return None if environ.get("ANTHROPIC_API_KEY") else "ANTHROPIC_API_KEY is not set"


class OpenAIConfig(_ModelSettings):
    """`provider = "openai"`: OpenAI, or any OpenAI-compatible server through `base_url`."""

    provider: Literal["openai"]
    base_url: str | None = None
    """For OpenAI-compatible servers (Ollama, vLLM, llama.cpp) or a proxy; no key needed then."""
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)

    def missing_requirement(self, environ: Mapping[str, str]) -> str | None:
        """What this model still needs before a run can reach it, or None."""
        if self.base_url or environ.get("OPENAI_API_KEY"):
            return None
        return "OPENAI_API_KEY is not set and no base_url points at a compatible server"


class ReplayConfig(_ModelSettings):
    """`provider = "replay"`: answers from a recorded cassette (tests, demos, offline runs)."""

    provider: Literal["replay"]
    cassette: str | None = None
    """The JSONL cassette to play (see docs/harness.md)."""
    replay_mode: Literal["sequential", "strict"] = "sequential"
    """`strict` also checks each request against the recorded one."""

    def missing_requirement(self, environ: Mapping[str, str]) -> str | None:
        """What this model still needs before a run can reach it, or None."""
        return None if self.cassette else 'cassette = "path/to/run.jsonl" is not set'


def _provider_of(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("provider", "anthropic"))
    return str(getattr(value, "provider", "anthropic"))


ModelConfig = Annotated[
    Annotated[AnthropicConfig, Tag("anthropic")]
    | Annotated[OpenAIConfig, Tag("openai")]
    | Annotated[ReplayConfig, Tag("replay")],
    Discriminator(_provider_of),
]
"""One `[models.*]` table: the provider key chooses the class (anthropic when omitted)."""

ProviderConfig = AnthropicConfig | OpenAIConfig | ReplayConfig


class ModelsConfig(BaseModel):
    """`[models.default]` plus optional per-role overrides (`[models.coder]`, ...)."""

    model_config = ConfigDict(extra="forbid")

    default: ModelConfig = AnthropicConfig()
    planner: ModelConfig | None = None
    coder: ModelConfig | None = None
    tester: ModelConfig | None = None
    reviewer: ModelConfig | None = None

    def for_role(self, role: AgentRole) -> ProviderConfig:
        chosen: ProviderConfig | None = getattr(self, role)
        return chosen or self.default


MAX_WALL_S = 365 * 86400
MAX_PRICE = 100_000.0
"""Dollars per million tokens: far above any model's price, far below what arithmetic breaks at."""


class BudgetConfig(BaseModel):
    """Limits for one run, shared by all its agents. The loop stops cleanly when one is spent."""

    model_config = ConfigDict(extra="forbid")

    max_steps: int = Field(default=200, gt=0, le=1_000_000)
    max_tokens: int = Field(default=2_000_000, gt=0, le=10**12)
    max_usd: float = Field(default=10.0, gt=0, le=1_000_000)
    max_wall_s: float = Field(default=3600.0, gt=0, le=MAX_WALL_S)
    """Seconds; at most a year (a run's deadline is computed from it)."""


class StuckConfig(BaseModel):
    """`[stuck]`: when an agent is going round in circles. Each threshold counts in a row;
    0 turns that check off. The defaults sit well above what a working agent does (the demo
    cassettes' longest streaks are far below them), so only a loop trips them."""

    model_config = ConfigDict(extra="forbid")

    same_call: int = Field(default=5, ge=0, le=1000)
    """The same tool called with the same arguments this many times in a row."""
    alternating: int = Field(default=4, ge=0, le=1000)
    """Two calls taking turns (A, B, A, B, ...) for this many rounds of both."""
    same_error: int = Field(default=5, ge=0, le=1000)
    """The same error from the tools this many times in a row."""
    no_tool_call: int = Field(default=3, ge=0, le=1000)
    """Replies without any tool call this many times in a row (each is nudged to continue)."""
    no_file_change: int = Field(default=30, ge=0, le=10_000)
    """Turns of an agent that may change files (coder, tester) with no file changed."""


class ModelPrice(BaseModel):
    """US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid")

    input: float = Field(ge=0, le=MAX_PRICE)
    output: float = Field(ge=0, le=MAX_PRICE)
    cache_read: float = Field(default=0.0, ge=0, le=MAX_PRICE)
    cache_write: float = Field(default=0.0, ge=0, le=MAX_PRICE)
