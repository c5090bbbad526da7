"""Typed configuration of the sandbox backend (`[sandbox]` in factory.toml)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DockerSandboxConfig(BaseModel):
    """Where and how agent commands run. Every limit here applies to every container."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["docker"] = "docker"
    image: str = "agent-factory/sandbox:latest"
    """Image agents run in; the offline builder makes the default one."""
    cpus: float = Field(default=1.0, gt=0)
    """CPU share per sandbox (1.0 = one core)."""
    memory: str = Field(default="2g", pattern=r"^\d+[kmg]?$")
    """Memory limit in Docker's notation (512m, 2g)."""
    pids: int = Field(default=512, gt=0)
    """Maximum number of processes inside one sandbox."""
    command_timeout_s: float = Field(default=600.0, gt=0)
    """Default wall-time limit for one command."""
    output_cap_bytes: int = Field(default=256_000, gt=0)
    """Output kept per command stream; head and tail survive, the middle is dropped."""
    warm_pool_size: int = Field(default=0, ge=0)
    """Pre-started containers kept ready per image (0 disables the pool)."""


SandboxConfig = DockerSandboxConfig
