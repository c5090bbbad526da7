"""The repository's own `factory.toml`, read from the base branch, can tighten its rules.

An agent works on its own branch; only what a human merged into the base branch may govern
the run. And even that may only narrow what the operator allows: autonomy is capped by the
operator's range, policies and protected paths add up, nothing is taken away.
"""

from __future__ import annotations

import tomllib
from typing import Any

from pydantic import ValidationError

from factory.config import RepoConfig
from factory.config.errors import ConfigError
from policies.config import AutonomyLevel, AutonomyRange


def governing_repo_config(operator: RepoConfig, base_text: str | None, name: str) -> RepoConfig:
    """`operator` narrowed by the `[repos."<name>"]` section of the base branch's factory.toml."""
    if not base_text:
        return operator
    try:
        data = tomllib.loads(base_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"factory.toml on the base branch of {name}: {exc}") from exc
    section: dict[str, Any] | None = data.get("repos", {}).get(name)
    if not isinstance(section, dict):
        return operator
    location = {"path": operator.path, "github": operator.github}
    try:
        theirs = RepoConfig.model_validate({**section, **location})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(
            f'factory.toml on the base branch of {name}: repos."{name}".{where}: {first["msg"]}'
        ) from exc
    return theirs.model_copy(
        update={
            "autonomy": _narrowed(operator.autonomy, theirs.autonomy),
            "policies": [*operator.policies, *theirs.policies],
            "protected_paths": sorted({*operator.protected_paths, *theirs.protected_paths}),
            "budget": operator.budget if theirs.budget is None else theirs.budget,
            "max_iterations": min(operator.max_iterations, theirs.max_iterations),
        }
    )


def _narrowed(operator: AutonomyRange, theirs: AutonomyRange) -> AutonomyRange:
    levels = list(AutonomyLevel)
    top = min(operator.max.rank, theirs.max.rank)
    bottom = min(max(operator.min.rank, theirs.min.rank), top)
    return AutonomyRange(min=levels[bottom], max=levels[top])
