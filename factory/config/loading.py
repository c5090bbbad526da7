"""factory.toml: how the configuration is found, read, overridden from the environment and
validated into a `FactoryConfig`; every mistake becomes a `ConfigError` a person can act on.

Found from `--config PATH`, then `FACTORY_CONFIG`, then `./factory.toml`, else built-in
defaults. `FACTORY_*` variables override keys (`FACTORY_SANDBOX__MEMORY=4g`).
"""

from __future__ import annotations

import copy
import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from factory.config.errors import ConfigError, describe_validation_error, find_secret_keys
from factory.config.settings import CONFIG_FILE_NAME, FactoryConfig

CONFIG_ENV_VAR = "FACTORY_CONFIG"
ENV_PREFIX = "FACTORY_"
SECTIONS = (
    "factory",
    "models",
    "budgets",
    "stuck",
    "limits",
    "pricing",
    "sandbox",
    "git",
    "queue",
    "sweep",
    "repos",
    "initiatives",
)
NOT_OVERRIDES = frozenset(
    {
        CONFIG_ENV_VAR,  # selects the file rather than overriding a value
        "FACTORY_FAILPOINTS",  # test fault injection, see factory/support/failpoints.py
        "FACTORY_DEBUG",  # tracebacks on the terminal, see factory/cli/errors.py
        "FACTORY_GIT_TOKEN",  # handed to git's askpass helper, see factory/git/askpass.py
        "FACTORY_GIT_USERNAME",
        "FACTORY_GITHUB_WEBHOOK_SECRET",  # a secret, see factory/queue/webhooks.py
        "FACTORY_WEB_TOKEN",  # the dashboard's secret, read by factory/web/server.py
    }
)
"""FACTORY_* variables that are not configuration keys (nor is any `FACTORY_TEST_*`: the tests'
own settings, such as the PostgreSQL server of .ci/postgres.sh)."""
TEST_PREFIX = "FACTORY_TEST_"


def discover_config_path(
    explicit: Path | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Path | None:
    """`--config PATH`, then FACTORY_CONFIG, then ./factory.toml; None means built-in defaults.

    A path named explicitly (flag or variable) must exist: silently falling back to defaults
    would run the factory with gates the operator did not choose.
    """
    env = os.environ if environ is None else environ
    named = explicit or (Path(env[CONFIG_ENV_VAR]) if env.get(CONFIG_ENV_VAR) else None)
    if named is not None:
        how = "--config" if explicit else CONFIG_ENV_VAR
        try:
            is_dir, is_file = named.is_dir(), named.is_file()
        except PermissionError:  # a folder on the way may not be searched by this user
            is_dir = is_file = False
        if is_dir:
            raise ConfigError(
                f"config path {named} (from {how}) is a directory; name the file itself, "
                f"e.g. {named / CONFIG_FILE_NAME}"
            )
        if not is_file:
            parent = _unreadable_parent(named)
            if parent is not None:
                raise ConfigError(
                    f"config file {named} (from {how}) cannot be reached: the folder {parent} "
                    "is not readable by this user; fix its permissions"
                )
            raise ConfigError(f"config file {named} (from {how}) not found; check the path")
        return named
    local = (cwd or Path.cwd()) / CONFIG_FILE_NAME
    return local if local.is_file() else None


def _unreadable_parent(path: Path) -> Path | None:
    """The first folder above `path` this user may not look into, if that is why it is hidden."""
    for folder in reversed(path.absolute().parents):
        if folder.is_dir() and not os.access(folder, os.R_OK | os.X_OK):
            return folder
    return None


def load_config(
    explicit: Path | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> FactoryConfig:
    """Find, read, override from the environment and validate the configuration."""
    env = os.environ if environ is None else environ
    path = discover_config_path(explicit, env, cwd)
    if path is None:
        return parse_config({}, source="built-in defaults", base_dir=cwd or Path.cwd(), environ=env)
    return parse_config(read_toml(path), source=str(path), base_dir=path.parent, environ=env)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error becomes `FILE:LINE:COLUMN: ...`."""
    try:
        text = path.read_text(encoding="utf-8")
    except PermissionError as exc:
        raise ConfigError(
            f"{path}: cannot read it (permission denied); make it readable by this user"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}); save factory.toml as UTF-8"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)", message)
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        location = f"{path}:{where.group(1)}:{where.group(2)}" if where else str(path)
        raise ConfigError(f"{location}: TOML syntax error: {reason}") from exc


def parse_config(
    data: dict[str, Any],
    *,
    source: str,
    base_dir: Path,
    environ: Mapping[str, str] | None = None,
) -> FactoryConfig:
    """Validate parsed TOML plus environment overrides; relative paths start at `base_dir`."""
    env = os.environ if environ is None else environ
    secret_keys = find_secret_keys(data)
    if secret_keys:
        raise ConfigError(
            f"{source}: {secret_keys[0]} looks like a secret; secrets come only from the "
            "environment (ANTHROPIC_API_KEY, OPENAI_API_KEY, GITHUB_TOKEN): delete it from the file"
        )
    merged = apply_env_overrides(data, env)
    try:
        config = FactoryConfig.model_validate(merged)
    except ValidationError as exc:
        problems = [describe_validation_error(error, FactoryConfig) for error in exc.errors()]
        raise ConfigError("\n".join(f"{source}: {problem}" for problem in problems)) from exc
    config._source = source
    _anchor_paths(config, base_dir)
    return config


def apply_env_overrides(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """FACTORY_DATABASE_URL -> factory.database_url; FACTORY_SANDBOX__MEMORY -> sandbox.memory.

    A name without `__` sets a key of `[factory]`; with `__` the first part names the section.
    Values are read as JSON when they parse (numbers, booleans, lists), else as plain strings.
    """
    merged = copy.deepcopy(data)  # TOML values include dates and times, which JSON has not
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or name in NOT_OVERRIDES or name.startswith(TEST_PREFIX):
            continue
        parts = [part.lower() for part in name[len(ENV_PREFIX) :].split("__") if part]
        if not parts:
            continue
        if len(parts) == 1 or parts[0] not in SECTIONS:
            parts = ["factory", *parts] if parts[0] != "factory" else parts
        target = merged
        for part in parts[:-1]:
            child = target.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{name}: {'.'.join(parts[:-1])} is not a table; unset {name}")
            target = child
        target[parts[-1]] = _env_value(environ[name])
    return merged


def _env_value(raw: str) -> Any:
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    # A quoted JSON string and a bare word mean the same; objects are too easy to get wrong.
    return raw if isinstance(value, dict) else value


def _anchor_paths(config: FactoryConfig, base_dir: Path) -> None:
    if not config.factory.data_dir.is_absolute():
        config.factory.data_dir = (base_dir / config.factory.data_dir).resolve()
    for repo in config.repos.values():
        if repo.path is not None and not repo.path.is_absolute():
            repo.path = (base_dir / repo.path).resolve()
        if repo.backlog_dir is not None and not repo.backlog_dir.is_absolute():
            repo.backlog_dir = (base_dir / repo.backlog_dir).resolve()
