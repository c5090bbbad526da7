"""`factory doctor`: the preflight every run passes, plus the facts of this machine.

The checks a run would fail on are the preflight's (the same code as `factory config check`:
repositories, policies, database, models and prices, Docker and the image); doctor adds what a
run does not need to know but a person setting up does: Python's version, the database's
schema revision, the engine's version and a hardening smoke test on a real container, and, with
`--repo NAME`, the repository's test command run once on its base commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

from factory.checks.findings import CheckFinding
from factory.checks.preflight import preflight
from factory.config import FactoryConfig, load_config
from factory.config.errors import ConfigError

MIN_PYTHON = (3, 11)
SANDBOX_KEYS = frozenset({"docker engine", "sandbox.image"})
"""The preflight's findings that leave nothing for the smoke test to try."""


def run_checks(
    config_path: Path | None = None, *, sandbox: bool = True, repo: str | None = None
) -> list[CheckFinding]:
    """Every finding, in order; a check that cannot run because an earlier one failed is left
    out. `sandbox` False skips everything that needs the Docker engine (and the network)."""
    findings = [check_python()]
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        return [
            *findings,
            CheckFinding(
                key="config",
                detail=str(exc),
                fix="fix the lines named above; `factory config check` re-validates",
            ),
        ]
    names = ", ".join(sorted(config.repos)) or "no repositories"
    findings.append(CheckFinding(key="config", severity="ok", detail=f"{config.source} ({names})"))
    problems = preflight(config, offline=not sandbox)
    findings += problems
    if not any(f.failed and f.key == "factory.database_url" for f in problems):
        findings.append(check_schema(config))
    if sandbox and not any(f.failed and f.key in SANDBOX_KEYS for f in problems):
        from factory.checks.sandbox import check_sandbox

        findings += check_sandbox(config.sandbox)
    if repo is not None and not any(f.failed for f in findings):
        findings.append(check_repo_tests(config, repo))
    return findings


def check_python() -> CheckFinding:
    version = ".".join(str(part) for part in sys.version_info[:3])
    ok = sys.version_info[:2] >= MIN_PYTHON
    return CheckFinding(
        key="python",
        severity="ok" if ok else "error",
        detail=f"Python {version} at {sys.executable}",
        fix="" if ok else "install Python 3.11 or newer and re-create .venv (`make clean test`)",
        kind="environment",
    )


def check_schema(config: FactoryConfig) -> CheckFinding:
    """The database's schema at the newest migration (opening the store applies them)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from factory.store import Store
    from factory.store.database import StoreUnavailableError, current_revision, head_revision

    url = config.database_url
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        with Store(url) as store:
            current = current_revision(store.engine)
    except (StoreUnavailableError, SQLAlchemyError, OSError) as exc:
        return CheckFinding(
            key="database",
            detail=f"{shown}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}",
            fix="check [factory] database_url / FACTORY_DATABASE_URL and that the server is up",
            kind="environment",
        )
    head = head_revision()
    if current != head:
        return CheckFinding(
            key="database",
            detail=f"{shown}: schema at {current}, this version expects {head}",
            fix="this database was written by another agent-factory version; use that version",
            kind="environment",
        )
    return CheckFinding(key="database", severity="ok", detail=f"{shown} (schema {current}, head)")


def check_repo_tests(config: FactoryConfig, name: str) -> CheckFinding:
    """The repository's test command, run once on its base commit the way a run runs it."""
    from factory.checks.test_command import TestCommandCheckError, check_test_command

    label = f"tests ({name})"
    try:
        result = check_test_command(config, name)
    except (ConfigError, TestCommandCheckError) as exc:
        return CheckFinding(key=label, detail=str(exc), fix="fix what the message names")
    report = result.report
    where = f"on {result.base_branch} ({result.base_sha[:12]})"
    if result.ran:
        failing = report.exit_code != 0
        return CheckFinding(
            key=label,
            severity="warning" if failing else "ok",
            detail=f"`{result.command}` ran {where}: {report.summary_text()}",
            fix="tests already failing on the base branch are not blamed on a change"
            if failing
            else "",
        )
    tail = report.output_tail.strip()[-600:] or "(no output)"
    return CheckFinding(
        key=label,
        detail=f"`{result.command}` cannot run {where} (exit {report.exit_code}, no test "
        f"ran or failed):\n{tail}",
        fix=f'fix test_command in [repos."{name}"]: it runs with sh in the sandbox with the '
        "repository at /workspace (for Python, e.g. `python3 -m pytest -q`)",
    )


def doctor_json(findings: list[CheckFinding]) -> dict[str, object]:
    """`factory doctor --json`: each check with the fields scripts have read since the start
    (`name`, `ok`, `detail`, `hint`, `warning`) beside the finding's `severity` and `kind`."""
    return {
        "ok": not any(f.failed for f in findings),
        "checks": [
            {
                "name": f.key,
                "ok": not f.failed,
                "detail": f.detail,
                "hint": f.fix,
                "warning": f.severity == "warning",
                "severity": f.severity,
                "kind": f.kind,
            }
            for f in findings
        ],
    }
