"""Configuration: the settings models of `factory.toml`, and nothing above them.

- `settings`: the `factory.toml` models; secrets from the environment.
- `loading`: finding and reading the file, `FACTORY_*` overrides, validation into `ConfigError`s.
- `errors`: `ConfigError` and turning pydantic and TOML errors into lines a person can act on.
- `repo_settings`: a repository's own `factory.toml` (text read from its base branch by the
  caller), narrowing the operator's settings.
- `forges`: which forge a repository uses (local or GitHub), as data `factory.forges` builds.
- `git`: `[git]`, the name and email on every factory commit.
- `sweep`, `schedule`, `initiatives`: the `[sweep]`, `[schedule]` and `[initiatives.*]` sections.
- `prices`: which configured models have no price; whether a dollar limit can be enforced.
- `limits`: `[limits]`, daily and monthly spend limits of the factory and per repository.

A feature's section lives here as a model, so this package imports only `factory.support` and
the outer packages' own config models (`harness.config`, `policies.config`, `sandboxes.config`).
"""

from factory.config.errors import ConfigError
from factory.config.loading import discover_config_path, load_config, parse_config
from factory.config.settings import (
    CONFIG_FILE_NAME,
    CoreConfig,
    FactoryConfig,
    RepoConfig,
    Secrets,
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
