"""The standards scorecard of a repository: pass/fail rules, each with its evidence and a fix.

A rule the record cannot decide (no clone to read, no test run on record) is neither passed
nor failed: it says so, and does not count against the repository.
"""

from __future__ import annotations

from collections.abc import Sequence

from factory.config import RepoConfig
from factory.review.ownership import AGENT_GUIDES, CATALOG_PATHS, Ownership
from factory.review.records import RunRecord
from factory.review.schema import AuditStatus, Scorecard
from factory.review.schema import ScorecardCheck as Check
from factory.support.wording import plural
from policies.evaluation import effective_specs
from policies.globs import matching_paths

WORKFLOW_PROBE = ".github/workflows/ci.yml"


def scorecard(
    name: str,
    settings: RepoConfig,
    ownership: Ownership,
    runs: Sequence[RunRecord],
    audit: AuditStatus,
) -> Scorecard:
    unread = ownership.problem or "the base branch could not be read"
    checks = [
        _owner(ownership, unread),
        _readable(
            ownership,
            "a catalog entry exists",
            ownership.catalog_path,
            f"add {CATALOG_PATHS[0]} (Backstage) with spec.owner, spec.system, spec.domain",
            unread,
        ),
        _readable(
            ownership,
            "agent instructions exist (AGENTS.md or equivalent)",
            ownership.agent_guide,
            "add AGENTS.md: how to build, test and what not to touch",
            unread,
        ),
        _baseline(runs),
        _workflows_gated(settings),
        _secret_scan(settings),
        _autonomy(settings, runs),
        _audit(audit),
    ]
    return Scorecard(
        repo=name,
        owner=ownership.owner,
        domain=ownership.domain,
        system=ownership.system,
        checks=checks,
        passed=sum(check.passed is True for check in checks),
        failed=sum(check.passed is False for check in checks),
    )


def _owner(found: Ownership, unread: str) -> Check:
    rule = "an owner is known"
    if not found.readable:
        return Check(rule=rule, passed=None, evidence=unread)
    if found.owner:
        return Check(rule=rule, passed=True, evidence=f"{found.owner} ({found.owner_source})")
    return Check(
        rule=rule,
        passed=False,
        evidence="no spec.owner in a catalog entry and no `*` rule in CODEOWNERS",
        fix="add `* @team` to CODEOWNERS or spec.owner to catalog-info.yaml",
    )


def _readable(found: Ownership, rule: str, path: str | None, fix: str, unread: str) -> Check:
    if not found.readable:
        return Check(rule=rule, passed=None, evidence=unread)
    if path:
        return Check(rule=rule, passed=True, evidence=f"{path} on the base branch")
    looked = ", ".join(CATALOG_PATHS if "catalog" in rule else AGENT_GUIDES)
    return Check(rule=rule, passed=False, evidence=f"none of {looked} on the base branch", fix=fix)


def _baseline(runs: Sequence[RunRecord]) -> Check:
    rule = "the test command passes on the base commit"
    recorded = [run.facts.baseline for run in runs if run.facts.baseline is not None]
    if not recorded:
        return Check(rule=rule, passed=None, evidence="no base-commit test run in the period")
    at, exit_code, summary = max(recorded, key=lambda item: item[0])
    when = f"{at:%Y-%m-%d %H:%M} UTC: {summary}"
    if exit_code is None:
        return Check(rule=rule, passed=None, evidence=f"{when} (exit code not recorded)")
    if exit_code == 0:
        return Check(rule=rule, passed=True, evidence=when)
    return Check(
        rule=rule,
        passed=False,
        evidence=f"{when}, exit {exit_code}",
        fix="fix the tests failing on the base branch: every agent change is judged against them",
    )


def _workflows_gated(settings: RepoConfig) -> Check:
    rule = "CI and workflow files are gated"
    specs = effective_specs(settings.policies, settings.protected_paths)
    names = {spec.name for spec in specs}
    if "ci_files" in names:
        return Check(rule=rule, passed=True, evidence="the ci_files policy is on")
    if matching_paths([WORKFLOW_PROBE], settings.protected_paths):
        return Check(rule=rule, passed=True, evidence="protected_paths cover .github/workflows")
    return Check(
        rule=rule,
        passed=False,
        evidence=f"policies: {', '.join(sorted(names))}",
        fix='add "ci_files" to policies or ".github/**" to protected_paths',
    )


def _secret_scan(settings: RepoConfig) -> Check:
    names = {spec.name for spec in effective_specs(settings.policies, settings.protected_paths)}
    on = "secret_scan" in names
    return Check(
        rule="secret scan is on",
        passed=on,
        evidence="the secret_scan policy applies" if on else "secret_scan is not applied",
        fix=None if on else 'add "secret_scan" to policies',
    )


def _autonomy(settings: RepoConfig, runs: Sequence[RunRecord]) -> Check:
    band = f"{settings.autonomy.min.value}..{settings.autonomy.max.value}"
    levels = [run for run in runs if run.level]
    if not levels:
        evidence = f"band {band}; no run in the period, no level earned yet"
        return Check(
            rule="the autonomy level earned is within the band", passed=None, evidence=evidence
        )
    latest = max(levels, key=lambda run: run.created_at)
    level = str(latest.level)
    inside = settings.autonomy.min.value <= level <= settings.autonomy.max.value
    return Check(
        rule="the autonomy level earned is within the band",
        passed=inside,
        evidence=f"band {band}; level {level} at run {latest.id}",
        fix=None if inside else "re-assess with `factory autonomy show`",
    )


def _audit(audit: AuditStatus) -> Check:
    rule = "the audit chain of its runs verifies"
    if not audit.checked:
        return Check(rule=rule, passed=None, evidence="not checked (--no-verify)")
    if audit.ok:
        counted = (
            f" ({plural(audit.events, 'event')} in {plural(audit.runs, 'run')})"
            if audit.runs
            else ""
        )
        return Check(rule=rule, passed=True, evidence=f"no break in its runs' chains{counted}")
    return Check(
        rule=rule,
        passed=False,
        evidence="; ".join(audit.breaks[:3]),
        fix="run `factory audit verify` and investigate who changed the record",
    )
