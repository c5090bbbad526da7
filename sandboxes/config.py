"""Typed configuration of the sandbox backend (`[sandbox]` in factory.toml)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

SECRET_LOOKING = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH")
MAX_COMMAND_S = 86400.0
"""A day: longer is a typo, and the engine's clock arithmetic overflows on `inf` or 1e308."""
MAX_SIZE_BYTES = 1 << 40
"""1 TiB: the most a memory limit or tmpfs may be; larger sizes overflow the engine's int64."""
MIN_MEMORY_BYTES = 6 << 20
"""The Docker engine refuses a memory limit below 6 MiB."""
_SIZE_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def size_in_bytes(spec: str) -> int:
    """Docker's size notation (`512m`, `2g`, plain bytes) in bytes."""
    if spec[-1] in _SIZE_UNITS:
        return int(spec[:-1]) * _SIZE_UNITS[spec[-1]]
    return int(spec)


class DockerSandboxConfig(BaseModel):
    """Where and how agent commands run. Every limit here applies to every container."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["docker"] = "docker"
    image: str = "agent-factory/sandbox:latest"
    """Image agents run in; the offline builder makes the default one."""
    cpus: float = Field(default=1.0, gt=0, le=1024)
    """CPU share per sandbox (1.0 = one core)."""
    memory: str = Field(default="2g", pattern=r"^\d+[kmg]?$")
    """Memory limit in Docker's notation (512m, 2g)."""
    pids: int = Field(default=512, gt=0, le=4_194_304)
    """Maximum number of processes inside one sandbox."""
    command_timeout_s: float = Field(default=600.0, gt=0, le=MAX_COMMAND_S)
    """Default wall-time limit for one command."""
    output_cap_bytes: int = Field(default=256_000, gt=0, le=64 << 20)
    """Output kept per command stream; head and tail survive, the middle is dropped."""
    warm_pool_size: int = Field(default=0, ge=0, le=64)
    """Pre-started containers kept ready per image (0 disables the pool)."""
    sandbox_uid: int = Field(default=10001, gt=0, lt=2**31)
    """Non-root uid (and gid) commands run as when the host user is root; otherwise the
    host's own uid:gid is used so files written to the worktree stay the host user's."""
    tmp_size: str = Field(default="1g", pattern=r"^\d+[kmg]?$")
    """Size of the writable tmpfs at /tmp (the root filesystem itself is read-only)."""
    home_size: str = Field(default="256m", pattern=r"^\d+[kmg]?$")
    """Size of the writable tmpfs at the sandbox user's HOME."""
    env: dict[str, str] = Field(default_factory=dict)
    """Extra environment variables set in every sandbox, on top of PATH, HOME and LANG.
    Nothing is copied from the host; names that look like secrets are refused."""
    setup_timeout_s: float = Field(default=1800.0, gt=0, le=MAX_COMMAND_S)
    """Wall-time limit for one setup command (the only phase with network)."""

    @field_validator("memory", "tmp_size", "home_size")
    @classmethod
    def _refuse_impossible_sizes(cls, spec: str, info: ValidationInfo) -> str:
        size = size_in_bytes(spec)
        least = MIN_MEMORY_BYTES if info.field_name == "memory" else 1
        if not least <= size <= MAX_SIZE_BYTES:
            raise ValueError(f"{spec!r} is not a size between {least} bytes and 1024g")
        return spec

    @field_validator("env")
    @classmethod
    def _refuse_secret_looking_names(cls, env: dict[str, str]) -> dict[str, str]:
        for name in env:
            if any(marker in name.upper() for marker in SECRET_LOOKING):
                raise ValueError(
                    f"sandbox env {name!r} looks like a secret; sandboxes never receive "
                    "secrets, remove it from [sandbox].env"
                )
        return env


SandboxConfig = DockerSandboxConfig
