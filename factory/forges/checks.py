"""The forge's CI as data: the checks of one commit, their logs, and asking for a rerun.

On GitHub a commit carries check runs (GitHub Actions and other apps) and commit statuses
(the older API some CI services still use); branch protection names the ones a merge needs.
`CheckRun` is one of either, `ChecksForge` the protocol a forge with CI implements, and
`checks_state` the one reading of a list of checks ("green", "pending", "failing", "none")
shared by the maintenance pass and the gate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from policies.models import ChecksSummary

CheckStatus = Literal["queued", "in_progress", "completed"]
CheckSource = Literal["check_run", "status", "local"]

PASSING_CONCLUSIONS = frozenset({"success", "neutral", "skipped"})
"""Conclusions GitHub itself counts as passing a required check."""


class CheckRun(BaseModel):
    """One check of one commit, as the forge reports it."""

    model_config = ConfigDict(frozen=True)

    name: str
    """The check run's name or the status's context: what branch protection requires."""
    status: CheckStatus
    conclusion: str | None = None
    """Set once completed: GitHub's `success`, `failure`, `neutral`, `cancelled`, `skipped`,
    `timed_out`, `action_required`, `startup_failure`, `stale`; a status's `success`,
    `failure` or `error`."""
    required: bool = False
    """Branch protection (or `[repos] required_checks`) requires it for a merge."""
    details: str = ""
    """The check's own summary (its output title, a status's description): untrusted text."""
    log_url: str | None = None
    """Where a person reads the log (the job's page, a status's target URL)."""
    id: str = ""
    """The forge's handle for `check_log` and `rerun` (a check run id, a status context)."""
    source: CheckSource = "check_run"
    rerunnable: bool = True
    """Whether the forge can run it again (a commit status cannot be rerun through the API)."""

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    @property
    def passed(self) -> bool:
        return self.completed and (self.conclusion or "") in PASSING_CONCLUSIONS

    @property
    def failed(self) -> bool:
        return self.completed and not self.passed


@runtime_checkable
class ChecksForge(Protocol):
    """A forge whose CI the factory reads: GitHub, or the local forge's sandbox suites."""

    def checks(self, sha: str) -> list[CheckRun]:
        """Every check of commit `sha`, the latest attempt of each (`read_checks` marks the
        required ones)."""
        ...

    def check_log(self, check: CheckRun) -> str:
        """The check's log as plain text (empty when the forge keeps none). Untrusted."""
        ...

    def rerun(self, check: CheckRun) -> bool:
        """Ask the forge to run the check again; False when it cannot be rerun."""
        ...

    def required_checks(self, branch: str) -> list[str]:
        """The check names a merge into `branch` needs (branch protection)."""
        ...


def checks_state(checks: Sequence[CheckRun]) -> Literal["green", "pending", "failing", "none"]:
    """The reading of `checks` that decides a merge: only required checks count when any is
    marked required, else every check does (a repository without branch protection)."""
    counted = [check for check in checks if check.required] or list(checks)
    if not counted:
        return "none"
    if any(check.failed for check in counted):
        return "failing"
    if any(not check.completed for check in counted):
        return "pending"
    return "green"


def mark_required(checks: Sequence[CheckRun], required: Sequence[str]) -> list[CheckRun]:
    """`checks` with `required` marked; a required name no check reported yet is added as a
    queued check, since GitHub counts a required check that never reported as pending."""
    wanted = set(required)
    marked = [check.model_copy(update={"required": check.name in wanted}) for check in checks]
    seen = {check.name for check in checks}
    for name in sorted(wanted - seen):
        marked.append(
            CheckRun(
                name=name,
                status="queued",
                required=True,
                details="expected: no run has reported yet",
                id="",
                rerunnable=False,
            )
        )
    return marked


def summarize_checks(sha: str, checks: Sequence[CheckRun]) -> ChecksSummary:
    """What the gate reads of the forge's checks on `sha` (policies stay pure)."""
    counted = [check for check in checks if check.required] or list(checks)
    return ChecksSummary(
        sha=sha,
        state=checks_state(checks),
        required=[check.name for check in counted],
        failing=[check.name for check in counted if check.failed],
        pending=[check.name for check in counted if not check.completed],
    )


def read_checks(
    forge: ChecksForge, sha: str, base_branch: str, also_required: Sequence[str] | None = None
) -> list[CheckRun]:
    """The checks of `sha`, with those a merge into `base_branch` needs marked required:
    branch protection's, plus `[repos] required_checks`."""
    required = [*forge.required_checks(base_branch), *(also_required or [])]
    return mark_required(forge.checks(sha), sorted(set(required)))
