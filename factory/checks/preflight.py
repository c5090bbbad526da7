"""The preflight: everything that can be checked before work starts, checked.

`factory config check` prints these findings; `factory run` and `factory resume` (and the
sweep) call the same `preflight()` before any run row, branch, container or model call exists,
and refuse to start while it finds an error; `factory doctor` runs it too, and adds the
machine's facts. A mistake in `factory.toml` is then caught in the afternoon, not by a crashed
run at 3 a.m. after its budget is spent.

Each finding names the key path, the bad value and the fix. `offline` skips what needs the
Docker engine or the network (the sandbox image, a GitHub repository's default branch).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from factory.checks.findings import CheckFinding, PreflightFailed
from factory.checks.machine import data_dir_findings, database_findings
from factory.checks.models import model_findings, price_findings
from factory.checks.repositories import repository_findings
from factory.checks.sandbox import sandbox_findings
from factory.config.settings import FactoryConfig, RepoConfig


def preflight(
    config: FactoryConfig,
    *,
    repos: Mapping[str, RepoConfig] | None = None,
    replay: Path | None = None,
    offline: bool = False,
) -> list[CheckFinding]:
    """Everything wrong with `config` for running on `repos` (default: every configured one).

    `replay` is a cassette given on the command line (`--replay`), which replaces the models.
    Omitted base branches are detected on the way and written into the repositories' config
    (a `note` finding says what was chosen), so the run that follows uses the same answer.
    """
    chosen = dict(config.repos if repos is None else repos)
    findings: list[CheckFinding] = []
    findings += data_dir_findings(config.factory.data_dir)
    findings += database_findings(config)
    for name, repo in chosen.items():
        findings += repository_findings(name, repo, offline=offline)
    findings += model_findings(config, replay)
    if replay is None:
        findings += price_findings(config, chosen)
    if not offline:
        findings += sandbox_findings(config)
    return findings


def require_preflight(
    config: FactoryConfig,
    repos: Mapping[str, RepoConfig],
    *,
    replay: Path | None = None,
) -> list[CheckFinding]:
    """`preflight` for a run about to start; raises `PreflightFailed` on any error."""
    findings = preflight(config, repos=repos, replay=replay)
    if any(finding.failed for finding in findings):
        raise PreflightFailed(findings)
    return findings
