"""The risk score that lets L2 merge by itself only small, ordinary changes.

Points (weights in `RiskRule`, defaults in brackets):
- size: one point per started block of `lines_per_point` [100] changed lines;
- breadth: one point per started block of `files_per_point` [5] touched files;
- sensitive paths: `sensitive_path_points` [3] when a protected, CI or governance path is touched;
- dependencies: `dependency_change_points` [3] when a manifest or lock file changes;
- deletions: `deletion_points` [1] when a file is deleted;
- binaries: `binary_points` [1] when a binary file changes.
Low risk means score <= `low_risk_max_score` [3]: e.g. up to 200 changed lines in up to 5
files (3 points); any sensitive path or dependency change (5+) is not low risk.
"""

from collections.abc import Sequence
from math import ceil

from policies.config import RiskRule
from policies.globs import matching_paths
from policies.models import DiffSummary, RiskFactor, RiskScore


def score_risk(
    diff: DiffSummary,
    rule: RiskRule,
    sensitive_globs: Sequence[str] = (),
    dependency_globs: Sequence[str] = (),
) -> RiskScore:
    factors: list[RiskFactor] = []
    lines = diff.lines_added + diff.lines_removed
    if lines:
        points = ceil(lines / rule.lines_per_point)
        factors.append(RiskFactor(name="size", points=points, detail=f"{lines} changed lines"))
    if diff.files:
        points = ceil(len(diff.files) / rule.files_per_point)
        factors.append(
            RiskFactor(
                name="breadth",
                points=points,
                detail=f"{len(diff.files)} {'file' if len(diff.files) == 1 else 'files'}",
            )
        )
    sensitive = matching_paths(diff.touched_paths, sensitive_globs)
    if sensitive and rule.sensitive_path_points:
        factors.append(
            RiskFactor(
                name="sensitive_paths",
                points=rule.sensitive_path_points,
                detail=", ".join(sensitive),
            )
        )
    manifests = matching_paths(diff.touched_paths, dependency_globs)
    if manifests and rule.dependency_change_points:
        factors.append(
            RiskFactor(
                name="dependencies",
                points=rule.dependency_change_points,
                detail=", ".join(manifests),
            )
        )
    deleted = [f.path for f in diff.files if f.status == "deleted"]
    if deleted and rule.deletion_points:
        factors.append(
            RiskFactor(name="deletions", points=rule.deletion_points, detail=", ".join(deleted))
        )
    binaries = [f.path for f in diff.files if f.binary]
    if binaries and rule.binary_points:
        factors.append(
            RiskFactor(name="binaries", points=rule.binary_points, detail=", ".join(binaries))
        )
    score = sum(f.points for f in factors)
    return RiskScore(score=score, low=score <= rule.low_risk_max_score, factors=factors)
