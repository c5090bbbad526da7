"""Configuration: what the operator allows and what a repository may narrow.

- `settings`: the `factory.toml` models, finding and loading the file, `FACTORY_*` overrides,
  secrets from the environment.
- `errors`: `ConfigError` and turning pydantic and TOML errors into lines a person can act on.
- `repo_settings`: a repository's own `factory.toml`, read from its base branch, narrowing
  the operator's settings.
- `preflight`: everything a run needs, checked before it starts (`factory config check`, and
  `run`/`resume` before any run row, branch, container or model call).
- `schedule`: `[schedule]`, the workers' nightly sweep as a cron expression.
- `prices`: which configured models have no price; whether a dollar limit can be enforced.
- `preflight/`: everything a run needs, checked before it starts (`config check`, run, resume).
"""

from factory.config.errors import ConfigError
from factory.config.settings import (
    CONFIG_FILE_NAME,
    CoreConfig,
    FactoryConfig,
    RepoConfig,
    Secrets,
    discover_config_path,
    load_config,
    parse_config,
)

__all__ = [
    "CONFIG_FILE_NAME",
    "ConfigError",
    "CoreConfig",
    "FactoryConfig",
    "RepoConfig",
    "Secrets",
    "discover_config_path",
    "load_config",
    "parse_config",
]
