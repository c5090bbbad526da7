"""Which changes failed: a revert names one of their commits, or an incident names them as root
cause (a commit sha, `#<pr>`, or a run id; Google fourkeys' `root cause:` convention)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from factory.review.dora import Change
from factory.review.records import IncidentRow
from policies.models import RevertRecord

_HEX = re.compile(r"^[0-9a-f]{7,40}$")
_PR = re.compile(r"^(?:[\w.-]+)?#(\d+)$")


def index_changes(changes: Iterable[Change]) -> dict[str, Change]:
    """One repository's changes by every name a root cause may use."""
    index: dict[str, Change] = {}
    for change in changes:
        for sha in change.shas | {change.sha}:
            index[sha.lower()] = change
        if change.pr is not None:
            index[f"#{change.pr}"] = change
        if change.run_id:
            index[change.run_id.lower()] = change
    return index


def change_named(root_cause: str, index: dict[str, Change]) -> Change | None:
    cause = root_cause.strip().lower().strip("`")
    pr = _PR.match(cause)
    if pr:
        return index.get(f"#{pr.group(1)}")
    if cause in index:
        return index[cause]
    if _HEX.match(cause):
        return next((c for sha, c in index.items() if sha.startswith(cause)), None)
    return None


def mark_failures(
    changes: Sequence[Change],
    reverts: dict[str, list[RevertRecord]],
    incidents: Sequence[IncidentRow],
) -> set[int]:
    """Set `failed`, evidence and recovery on changes; returns ids of incidents naming a factory
    change. A revert commit is itself a deployment of unplanned rework."""
    by_repo: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        by_repo[change.repo].append(change)
    indexes = {repo: index_changes(items) for repo, items in by_repo.items()}
    for repo, records in reverts.items():
        index = indexes.get(repo, {})
        for revert in records:
            reverting = index.get(revert.revert_sha.lower())
            if reverting is not None:
                reverting.rework = True
            reverted = change_named(revert.reverted_sha, index)
            if reverted is None:
                continue
            reverted.failed = True
            reverted.failure_evidence.append(f"reverted by {revert.revert_sha[:10]}")
            hours = max(0.0, (revert.at - reverted.merged_at).total_seconds() / 3600)
            if reverted.recovery_hours is None:
                reverted.recovery_hours = round(hours, 3)
    linked: set[int] = set()
    for incident in incidents:
        if not incident.root_cause:
            continue
        named = change_named(incident.root_cause, indexes.get(incident.repo, {}))
        if named is None:
            continue
        named.failed = True
        named.failure_evidence.append(f"incident {incident.id}: {incident.title}")
        if named.author == "agent":
            linked.add(incident.id)
        if incident.resolved_at is not None:
            hours = (incident.resolved_at - incident.opened_at).total_seconds() / 3600
            named.recovery_hours = round(max(0.0, hours), 3)
    return linked
