"""Preflight of what runs use besides repositories: the data directory, the database, the
models (keys, base URLs, cassettes) and the Docker engine with the sandbox image."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from factory.config.errors import key_path
from factory.config.preflight.findings import Finding
from factory.config.settings import FactoryConfig

MIN_FREE_BYTES = 64 * 1024 * 1024
"""Free space the data directory needs: checkpoints, clones, worktrees and logs grow there."""

DRIVER_EXTRAS = {"postgresql": "postgres", "postgres": "postgres"}
"""Database URL schemes whose driver ships in an agent-factory extra."""


def data_dir_findings(data_dir: Path) -> list[Finding]:
    key = "factory.data_dir"
    existing = data_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return [Finding(key=key, problem=f'"{data_dir}" is not a directory', fix="point it at one")]
    if not os.access(existing, os.W_OK | os.X_OK):
        return [
            Finding(
                key=key,
                problem=f'"{data_dir}" is not writable by this user',
                fix="fix its permissions or choose another data_dir",
                kind="environment",
            )
        ]
    free = shutil.disk_usage(existing).free
    if free < MIN_FREE_BYTES:
        return [
            Finding(
                key=key,
                problem=f'"{data_dir}" has {free // 1024} KiB free; runs need at least '
                f"{MIN_FREE_BYTES // (1024 * 1024)} MiB (clones, worktrees, checkpoints)",
                fix="free disk space there or move data_dir",
                kind="environment",
            )
        ]
    return []


def database_findings(config: FactoryConfig) -> list[Finding]:
    """The URL's scheme is known, its driver installed, and the database opens."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    key = "factory.database_url"
    url = config.database_url
    try:
        parsed = make_url(url)
    except ArgumentError:
        return [
            Finding(
                key=key,
                problem=f'"{url}" is not a database URL',
                fix="use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
            )
        ]
    shown = parsed.render_as_string(hide_password=True)
    scheme = parsed.get_backend_name()
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        return [
            Finding(
                key=key,
                problem=f'"{shown}": unknown database scheme {parsed.drivername!r}',
                fix="use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
            )
        ]
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        extra = DRIVER_EXTRAS.get(scheme)
        how = (
            f"pip install 'agent-factory[{extra}]'"
            if extra
            else f"install the Python driver {parsed.get_driver_name()!r}"
        )
        return [
            Finding(
                key=key,
                problem=f'"{shown}": the {parsed.get_driver_name()} driver is not installed '
                f"({exc.name or exc})",
                fix=how,
                kind="environment",
            )
        ]
    if scheme == "sqlite":
        return _sqlite_file(key, parsed.database)
    try:
        engine = create_engine(url, pool_pre_ping=True)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
        return [
            Finding(
                key=key,
                problem=f'"{shown}" cannot be opened: {first}',
                fix="check the URL and that the database server is up",
                kind="environment",
            )
        ]
    return []


def _sqlite_file(key: str, database: str | None) -> list[Finding]:
    if not database or database == ":memory:":
        return []
    path = Path(database)
    if path.is_dir():
        return [Finding(key=key, problem=f'"{path}" is a directory', fix="name a file inside it")]
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            return [
                Finding(
                    key=key,
                    problem=f'"{path}" is not readable and writable by this user',
                    fix="fix its permissions",
                    kind="environment",
                )
            ]
        return []
    try:  # the store creates the folder on first use; trying is the only honest check
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return [
            Finding(
                key=key,
                problem=f'"{path}" cannot be created: {exc.strerror or exc} ({exc.filename})',
                fix="point the URL (or data_dir) at a writable place",
                kind="environment",
            )
        ]
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return [
            Finding(
                key=key,
                problem=f'"{path}" cannot be created: {path.parent} is not writable',
                fix="point the URL (or data_dir) at a writable place",
                kind="environment",
            )
        ]
    return []


def model_findings(config: FactoryConfig, replay: Path | None) -> list[Finding]:
    """Each role's model has what its provider needs (`missing_requirement`: a key, a
    `base_url`, a cassette), and a replay cassette parses completely."""
    from harness.config import AgentRole, ReplayConfig

    if replay is not None:
        return _cassette("--replay", replay)
    roles: tuple[AgentRole, ...] = ("planner", "coder", "tester", "reviewer")
    findings: list[Finding] = []
    seen: set[str] = set()
    for role in roles:
        model = config.models.for_role(role)
        section = role if getattr(config.models, role) is not None else "default"
        key = key_path(("models", section))
        if key in seen:
            continue
        seen.add(key)
        missing = model.missing_requirement(os.environ)
        if isinstance(model, ReplayConfig):
            if missing is not None:
                findings.append(
                    Finding(
                        key=f"{key}.cassette",
                        problem=f'provider = "replay" needs a cassette: {missing}',
                        fix="set cassette to a JSONL file (see docs/harness.md)",
                    )
                )
            elif model.cassette is not None:
                findings += _cassette(f"{key}.cassette", Path(model.cassette))
            continue
        if missing is not None:
            findings.append(
                Finding(
                    key=f"{key}.provider",
                    problem=f'"{model.provider}" cannot be reached: {missing} (for the {role})',
                    fix='export ANTHROPIC_API_KEY (or OPENAI_API_KEY with provider = "openai"), '
                    f"point [{key}] base_url at an OpenAI-compatible server (Ollama, vLLM, "
                    "llama.cpp), or pass --replay CASSETTE",
                )
            )
    return findings


def _cassette(key: str, path: Path) -> list[Finding]:
    """The cassette parses completely; the first bad line is named with its column."""
    from harness.errors import CassetteError
    from harness.replay import load_cassette

    if path.is_dir():
        return [Finding(key=key, problem=f'"{path}" is a directory', fix="name a .jsonl file")]
    if not path.is_file():
        return [Finding(key=key, problem=f'"{path}": no such cassette file', fix="fix the path")]
    try:
        exchanges = load_cassette(path)
    except CassetteError as exc:
        return [Finding(key=key, problem=str(exc), fix="fix that line (see docs/harness.md)")]
    except UnicodeDecodeError as exc:
        return [
            Finding(
                key=key,
                problem=f'"{path}" is not UTF-8 text (byte {exc.start})',
                fix="a cassette is JSON lines in UTF-8",
            )
        ]
    if not exchanges:
        return [
            Finding(
                key=key,
                problem=f'"{path}" has no replies',
                fix="record one with --record, or write replies by hand (docs/harness.md)",
            )
        ]
    return []


def sandbox_findings(config: FactoryConfig) -> list[Finding]:
    """The Docker engine answers and has the sandbox image."""
    from sandboxes.docker_engine import BUILD_HINT, connect, require_image
    from sandboxes.errors import SandboxError

    try:
        client = connect(timeout=10)
    except SandboxError as exc:
        return [
            Finding(
                key="sandbox",
                problem=f"the Docker engine is unreachable: {exc}",
                fix="start Docker, or fix DOCKER_HOST; `factory doctor` checks it",
                kind="environment",
            )
        ]
    try:
        require_image(client, config.sandbox.image)
    except SandboxError as exc:
        return [
            Finding(
                key=key_path(("sandbox", "image")),
                problem=str(exc),
                fix=BUILD_HINT,
                kind="environment",
            )
        ]
    finally:
        client.close()
    return []
