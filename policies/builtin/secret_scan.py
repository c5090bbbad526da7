"""Refuse changes that add secrets: detect-secrets over the added lines, in memory.

Added lines are scanned one by one with detect-secrets' plugins; nothing touches the disk
and the secret itself never appears in a reason (only the file, line and kind).
"""

import re
import threading

from detect_secrets.core.scan import scan_line
from detect_secrets.settings import default_settings
from pydantic import BaseModel, ConfigDict, Field

from policies.globs import path_matches
from policies.models import GateContext, Outcome, Verdict

NAME = "secret_scan"

# detect-secrets keeps its settings in a process-wide global; scans must not interleave.
_SCAN_LOCK = threading.Lock()
# An agent steered by a hostile ticket could append detect-secrets' own opt-out comment.
_ALLOWLIST_PRAGMA = re.compile(r"pragma:\s*allowlist[\s-]*(nextline\s+)?secret", re.IGNORECASE)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Outcome.REFUSE
    """What a change that adds a likely secret gets."""
    ignore_paths: list[str] = Field(default_factory=list)
    """Globs whose added lines are not scanned (test fixtures with fake keys, say)."""
    honor_allowlist_comments: bool = False
    """Respect `pragma: allowlist secret` comments. Off: the agent writes those lines."""
    max_line_length: int = Field(default=4000, gt=0)
    """Longer lines are scanned in chunks of this length (minified files)."""


def _chunks(line: str, size: int) -> list[str]:
    return [line[i : i + size] for i in range(0, len(line), size)] or [""]


def find_secrets(ctx: GateContext, params: Params) -> list[str]:
    """Descriptions (`path:line: kind`) of likely secrets in the added lines."""
    findings: list[str] = []
    with _SCAN_LOCK, default_settings():
        for change in ctx.diff.files:
            if change.binary or any(path_matches(change.path, g) for g in params.ignore_paths):
                continue
            for number, line in enumerate(change.added_lines, start=1):
                text = line if params.honor_allowlist_comments else _ALLOWLIST_PRAGMA.sub("", line)
                kinds = {
                    secret.type
                    for chunk in _chunks(text, params.max_line_length)
                    for secret in scan_line(chunk)
                }
                findings.extend(f"{change.path}: added line {number}: {k}" for k in sorted(kinds))
    return findings


def evaluate(ctx: GateContext, params: Params) -> Verdict:
    findings = find_secrets(ctx, params)
    if findings:
        shown = findings[:10]
        more = [f"... and {len(findings) - 10} more"] if len(findings) > 10 else []
        return Verdict(outcome=params.outcome, reasons=["likely secret added", *shown, *more])
    return Verdict(outcome=Outcome.ALLOW, reasons=["no secret found in added lines"])
