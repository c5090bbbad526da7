"""Refuse changes that add secrets: detect-secrets over the added lines, in memory.

Added lines go through the same plugins and filters detect-secrets applies when it scans a
diff (`scan_diff`), file by file, without writing anything to disk and without the `unidiff`
parser (the gate already has the added lines). The secret itself never appears in a reason,
only the file, the added line's number and the kind of secret.
"""

import re
import threading

from detect_secrets.core.scan import _is_filtered_out, _process_line_based_plugins
from detect_secrets.settings import default_settings, get_filters, get_settings
from pydantic import BaseModel, ConfigDict, Field

from policies.globs import Glob, path_matches
from policies.models import GateContext, Outcome, Verdict

NAME = "secret_scan"

# detect-secrets keeps its settings in a process-wide global; scans must not interleave.
_SCAN_LOCK = threading.Lock()
# An agent steered by a hostile ticket could append detect-secrets' own opt-out comment.
_ALLOWLIST_PRAGMA = re.compile(r"pragma:\s*allowlist[\s-]*(nextline\s+)?secret", re.IGNORECASE)


class SecretScanParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Outcome.REFUSE
    """What a change that adds a likely secret gets."""
    ignore_paths: list[Glob] = Field(default_factory=list)
    """Globs whose added lines are not scanned (test fixtures with fake keys, say)."""
    honor_allowlist_comments: bool = False
    """Respect `pragma: allowlist secret` comments. Off: the agent writes those lines."""


def _scanned_lines(lines: list[str], params: SecretScanParams) -> list[tuple[int, str]]:
    if params.honor_allowlist_comments:
        return list(enumerate(lines, start=1))
    return [(n, _ALLOWLIST_PRAGMA.sub("", line)) for n, line in enumerate(lines, start=1)]


def find_secrets(ctx: GateContext, params: SecretScanParams) -> list[str]:
    """Descriptions (`path: added line N: kind`) of likely secrets in the added lines."""
    findings: list[str] = []
    with _SCAN_LOCK, default_settings():
        # The file is not on disk; detect-secrets' own ad-hoc scans disable this filter too.
        get_settings().disable_filters("detect_secrets.filters.common.is_invalid_file")
        get_filters.cache_clear()
        for change in ctx.diff.files:
            if change.binary or any(path_matches(change.path, g) for g in params.ignore_paths):
                continue
            if _is_filtered_out(required_filter_parameters=["filename"], filename=change.path):
                continue  # e.g. lock files, whose hashes look like secrets
            seen: set[tuple[int, str]] = set()
            lines = _scanned_lines(change.added_lines, params)
            for secret in _process_line_based_plugins(lines, filename=change.path):
                key = (secret.line_number, secret.type)
                if key not in seen:
                    seen.add(key)
                    findings.append(f"{change.path}: added line {key[0]}: {key[1]}")
    return findings


def evaluate(ctx: GateContext, params: SecretScanParams) -> Verdict:
    findings = find_secrets(ctx, params)
    if findings:
        shown = findings[:10]
        more = [f"... and {len(findings) - 10} more"] if len(findings) > 10 else []
        return Verdict(outcome=params.outcome, reasons=["likely secret added", *shown, *more])
    return Verdict(outcome=Outcome.ALLOW, reasons=["no secret found in added lines"])


PARAMS = SecretScanParams
"""The model of this policy's `[[policies]] params` table (the registry reads it)."""
