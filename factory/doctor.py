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
from factory.store.database import StoreUnavailableError, current_revision, head_revision
from sandboxes.health import check_sandbox as sandbox_health

MIN_PYTHON = (3, 11)


class Check(BaseModel):
    """One line of the report: what was checked, whether it passed, and how to fix it if not."""

    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    detail: str
    hint: str = ""
    warning: bool = False
    """Passed, but something will be less than it could be (e.g. a cost that cannot be known)."""


def run_checks(
    config_path: Path | None = None, *, sandbox: bool = True, repo: str | None = None
) -> list[Check]:
    """Every check in order; a check that cannot run because an earlier one failed is skipped.

    `repo` also runs that repository's test command once on its base commit (in a sandbox)."""
    checks = [check_python()]
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        hint = "fix the lines named above; `factory config check` re-validates"
        return [*checks, Check(name="config", ok=False, detail=str(exc), hint=hint)]
    repos = ", ".join(sorted(config.repos)) or "no repositories"
    checks.append(Check(name="config", ok=True, detail=f"{config.source} ({repos})"))
    checks.extend(check_prices(config))
    checks.append(check_database(config))
    if sandbox:
        checks.extend(check_sandbox(config))
    if repo is not None and all(check.ok for check in checks):
        checks.append(check_repo_tests(config, repo))
    return checks


def check_python() -> Check:
    version = ".".join(str(part) for part in sys.version_info[:3])
    ok = sys.version_info[:2] >= MIN_PYTHON
    hint = "" if ok else "install Python 3.11 or newer and re-create .venv (`make clean test`)"
    return Check(name="python", ok=ok, detail=f"Python {version} at {sys.executable}", hint=hint)


def check_prices(config: FactoryConfig) -> list[Check]:
    """A warning per configured model without a price: its runs' cost will be unknown."""
    from factory.config.prices import unpriced_models

    return [
        Check(
            name="pricing",
            ok=True,
            warning=True,
            detail=f"model {name!r} has no price: runs that use it have an unknown cost, and a "
            "dollar budget cannot be enforced (such runs are refused unless a token limit is set)",
            hint=f'add [pricing."{name}"] input = ..., output = ... (US dollars per million '
            "tokens), or set [budgets] max_tokens",
        )
        for name in unpriced_models(config)
    ]


def check_repo_tests(config: FactoryConfig, name: str) -> Check:
    """The repository's test command, run once on its base commit the way a run runs it."""
    from factory.run.test_command_check import TestCommandCheckError, check_test_command

    label = f"tests ({name})"
    try:
        result = check_test_command(config, name)
    except (ConfigError, TestCommandCheckError) as exc:
        return Check(name=label, ok=False, detail=str(exc), hint="fix what the message names")
    report = result.report
    where = f"on {result.base_branch} ({result.base_sha[:12]})"
    if result.ran:
        return Check(
            name=label,
            ok=True,
            warning=report.exit_code != 0,
            detail=f"`{result.command}` ran {where}: {report.summary_text()}",
            hint="tests already failing on the base branch are not blamed on a change"
            if report.exit_code != 0
            else "",
        )
    tail = report.output_tail.strip()[-600:] or "(no output)"
    return Check(
        name=label,
        ok=False,
        detail=f"`{result.command}` cannot run {where} (exit {report.exit_code}, no test "
        f"ran or failed):\n{tail}",
        hint=f'fix test_command in [repos."{name}"]: it runs with sh in the sandbox with the '
        "repository at /workspace (for Python, e.g. `python3 -m pytest -q`)",
    )


def check_database(config: FactoryConfig) -> Check:
    """Reachable, and its schema at the newest migration (opening the store applies them)."""
    url = config.database_url
    try:
        with Store(url) as store:
            current = current_revision(store.engine)
    except StoreUnavailableError as exc:
        return Check(
            name="database",
            ok=False,
            detail=str(exc),
            hint="check [factory] database_url / FACTORY_DATABASE_URL and that the server is up",
        )
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
