"""`factory doctor`: is this machine ready? Python, configuration, database, then the sandbox."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from factory.config import FactoryConfig, load_config
from factory.config.errors import ConfigError
from factory.store import Store
from factory.store.database import current_revision, head_revision
from sandboxes.health import check_sandbox as sandbox_health

MIN_PYTHON = (3, 11)


class Check(BaseModel):
    """One line of the report: what was checked, whether it passed, and how to fix it if not."""

    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    detail: str
    hint: str = ""


def run_checks(config_path: Path | None = None, *, sandbox: bool = True) -> list[Check]:
    """Every check in order; a check that cannot run because an earlier one failed is skipped."""
    checks = [check_python()]
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        hint = "fix the lines named above; `factory config check` re-validates"
        return [*checks, Check(name="config", ok=False, detail=str(exc), hint=hint)]
    repos = ", ".join(sorted(config.repos)) or "no repositories"
    checks.append(Check(name="config", ok=True, detail=f"{config.source} ({repos})"))
    checks.append(check_database(config))
    if sandbox:
        checks.extend(check_sandbox(config))
    return checks


def check_python() -> Check:
    version = ".".join(str(part) for part in sys.version_info[:3])
    ok = sys.version_info[:2] >= MIN_PYTHON
    hint = "" if ok else "install Python 3.11 or newer and re-create .venv (`make clean test`)"
    return Check(name="python", ok=ok, detail=f"Python {version} at {sys.executable}", hint=hint)


def check_database(config: FactoryConfig) -> Check:
    """Reachable, and its schema at the newest migration (opening the store applies them)."""
    url = config.database_url
    try:
        with Store(url) as store:
            current = current_revision(store.engine)
    except (SQLAlchemyError, OSError) as exc:
        return Check(
            name="database",
            ok=False,
            detail=f"{_safe_url(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}",
            hint="check [factory] database_url / FACTORY_DATABASE_URL and that the server is up",
        )
    head = head_revision()
    if current != head:
        return Check(
            name="database",
            ok=False,
            detail=f"{_safe_url(url)}: schema at {current}, this version expects {head}",
            hint="this database was written by another agent-factory version; use that version",
        )
    return Check(name="database", ok=True, detail=f"{_safe_url(url)} (schema {current}, head)")


def check_sandbox(config: FactoryConfig) -> list[Check]:
    """The sandbox package's own checks (engine, image, hardening smoke test)."""
    return [Check(**result.model_dump()) for result in sandbox_health(config.sandbox)]


def _safe_url(url: str) -> str:
    """The URL with any password hidden: doctor output gets pasted into tickets."""
    return make_url(url).render_as_string(hide_password=True)
