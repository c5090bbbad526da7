"""What every health check reports: a finding (where, what was found, the fix), and the error a
run raises when the preflight found an error.

One type for the preflight (`factory config check`, and every run before it starts), `factory
doctor` (the same preflight plus the machine's facts) and the test-command check.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from factory.config.errors import ConfigError

FindingKind = Literal["config", "environment"]
Severity = Literal["ok", "note", "warning", "error"]


class CheckFinding(BaseModel):
    """One thing a check found: where (a key path or a check's name), what, and what to do."""

    model_config = ConfigDict(frozen=True)

    key: str
    detail: str
    """The problem for an error or a warning; the fact for `ok` and `note`."""
    fix: str = ""
    kind: FindingKind = "config"
    """`config`: the user's input is wrong (exit 2); `environment`: the machine is (exit 1)."""
    severity: Severity = "error"
    """`error` stops a run; `warning` lets it start but something is less than it could be
    (a cost that cannot be known); `note` says what the factory decided for you (a detected
    base branch); `ok` is a check that passed, with what it saw."""

    @property
    def line(self) -> str:
        return f"{self.key}: {self.detail}" + (f"; {self.fix}" if self.fix else "")

    @property
    def failed(self) -> bool:
        return self.severity == "error"


class PreflightFailed(ConfigError):
    """The preflight found errors; the message lists them, one per line."""

    def __init__(self, findings: list[CheckFinding]) -> None:
        self.findings = [f for f in findings if f.failed]
        super().__init__("\n".join(finding.line for finding in self.findings))

    @property
    def environment_only(self) -> bool:
        """True when nothing the user typed is wrong, only the machine (exit 1, not 2)."""
        return all(finding.kind == "environment" for finding in self.findings)
