"""What the preflight reports: a finding (where, what is wrong, the fix), and the error a run
raises when any finding is an error."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from factory.config.errors import ConfigError

FindingKind = Literal["config", "environment"]


class Finding(BaseModel):
    """One thing the preflight found: where (a key path), what is wrong, and what to do."""

    model_config = ConfigDict(frozen=True)

    key: str
    problem: str
    fix: str = ""
    kind: FindingKind = "config"
    """`config`: the user's input is wrong (exit 2); `environment`: the machine is (exit 1)."""
    severity: Literal["error", "note"] = "error"
    """A `note` says what the factory decided for you (a detected base branch); not an error."""

    @property
    def line(self) -> str:
        return f"{self.key}: {self.problem}" + (f"; {self.fix}" if self.fix else "")


class PreflightFailed(ConfigError):
    """The preflight found errors; the message lists them, one per line."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = [f for f in findings if f.severity == "error"]
        super().__init__("\n".join(finding.line for finding in self.findings))

    @property
    def environment_only(self) -> bool:
        """True when nothing the user typed is wrong, only the machine (exit 1, not 2)."""
        return all(finding.kind == "environment" for finding in self.findings)
