"""Earned autonomy: the effective level inside a repo's [min, max] follows its track record.

The whole history is replayed in time order, starting at `min`, so the answer depends only
on the record (no stored counter can drift):
- a merge is clean when nothing bad happened since the last one; each clean merge extends
  the streak; after `promote_after_clean_merges` in a row, and with a revert rate in the
  trailing `window_days` strictly below `max_revert_rate`, the level rises one step (up to
  `max`) and the streak restarts;
- a revert of a factory merge, or an incident whose root cause is a factory merge, demotes
  one step at once (down to `min`) and restarts the streak;
- a PR closed or rejected by a human restarts the streak (no demotion) when configured;
- a merge after a person asked for changes is not clean: by `merge_after_changes` it holds
  the streak (`hold`, the default: neither extends nor restarts it), counts as clean
  (`count`), or restarts it (`reset`, never a demotion).
Revert rate = (reverts + incidents) / merges, all within the window ending at that moment.

With an evidence rule (`[repos.*.autonomy_evidence]`), a level above L1 also needs a passing
eval under the current configuration (`evidence_passes`); without one the level is held at
L1 (or the range's minimum, if that is higher), and the assessment says which figure fell
short. The factory finds the evidence; this module only reads it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from policies.config import AutonomyLevel, AutonomyRange, EarnedAutonomyRule, EvidenceRule
from policies.models import EvalEvidence, TrackRecord

_LEVELS = list(AutonomyLevel)


class Assessment(BaseModel):
    """The effective level for a repo, and why."""

    model_config = ConfigDict(extra="forbid")

    level: AutonomyLevel
    range: AutonomyRange
    changed_from: AutonomyLevel | None = None
    """The previously recorded level when it differs from `level`; None when unchanged."""
    streak: int = 0
    """Clean merges since the last level change, revert, incident or rejection."""
    window_merges: int = 0
    window_merges_after_changes: int = 0
    """Of `window_merges`, those merged after a person asked for changes (not clean)."""
    window_reverts: int = 0
    window_incidents: int = 0
    window_rejections: int = 0
    revert_rate: float = 0.0
    evidence: list[str] = Field(default_factory=list)
    """Every level change, oldest first, then a summary of the window."""
    held_by_eval: str | None = None
    """Why an evidence rule holds the level where it is (None: no rule, or it passed)."""
    config_hash: str | None = None
    """The configuration the evidence was sought under, when a rule applies."""

    def level_change_event(self) -> dict[str, Any] | None:
        """The `autonomy.level_changed` audit payload, or None when the level did not change."""
        if self.changed_from is None:
            return None
        return {
            "from": self.changed_from.value,
            "to": self.level.value,
            "range": {"min": self.range.min.value, "max": self.range.max.value},
            "revert_rate": self.revert_rate,
            "streak": self.streak,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class _Event:
    at: datetime
    kind: Literal["merge", "revert", "incident", "rejection"]
    ref: str
    after_changes: bool = False


def _matches(short: str, full: str) -> bool:
    a, b = short.lower(), full.lower()
    return len(min(a, b, key=len)) >= 7 and (a.startswith(b) or b.startswith(a))


def _factory_events(record: TrackRecord) -> list[_Event]:
    """Reverts and incidents count only when they name a commit the factory merged."""
    shas = [m.sha for m in record.merges]
    events = [
        _Event(
            m.merged_at,
            "merge",
            f"{m.sha[:10]}" + (f" (#{m.pr})" if m.pr else ""),
            after_changes=m.after_changes,
        )
        for m in record.merges
    ]
    events += [
        _Event(r.at, "revert", f"{r.revert_sha[:10]} reverts {r.reverted_sha[:10]}")
        for r in record.reverts
        if any(_matches(r.reverted_sha, sha) for sha in shas)
    ]
    events += [
        _Event(i.at, "incident", f"{i.ref} (root cause {i.root_cause_sha[:10]})")
        for i in record.incidents
        if any(_matches(i.root_cause_sha, sha) for sha in shas)
    ]
    events += [_Event(r.at, "rejection", f"#{r.pr}") for r in record.rejections]
    order = {"merge": 0, "rejection": 1, "revert": 2, "incident": 3}
    return sorted(events, key=lambda e: (e.at, order[e.kind]))


def _in_window(events: list[_Event], end: datetime, days: int, kind: str) -> int:
    start = end - timedelta(days=days)
    return sum(1 for e in events if e.kind == kind and start < e.at <= end)


def _after_changes_in_window(events: list[_Event], end: datetime, days: int) -> int:
    start = end - timedelta(days=days)
    return sum(1 for e in events if e.kind == "merge" and e.after_changes and start < e.at <= end)


def _rate(events: list[_Event], end: datetime, days: int) -> float:
    merges = _in_window(events, end, days, "merge")
    bad = _in_window(events, end, days, "revert") + _in_window(events, end, days, "incident")
    return bad / merges if merges else (1.0 if bad else 0.0)


def _step(level: AutonomyLevel, delta: int, bounds: AutonomyRange) -> AutonomyLevel:
    rank = min(max(level.rank + delta, bounds.min.rank), bounds.max.rank)
    return _LEVELS[rank]


def assess_autonomy(
    bounds: AutonomyRange,
    record: TrackRecord,
    rule: EarnedAutonomyRule,
    now: datetime,
    previous: AutonomyLevel | None = None,
    evidence_rule: EvidenceRule | None = None,
    eval_evidence: EvalEvidence | None = None,
) -> Assessment:
    """The effective level at `now` (events after `now` are ignored), held at L1 when an
    evidence rule is set and `eval_evidence` does not pass it."""
    events = [e for e in _factory_events(record) if e.at <= now]
    level, streak, evidence = bounds.min, 0, []
    for event in events:
        day = event.at.date().isoformat()
        if event.kind == "merge" and event.after_changes and rule.merge_after_changes != "count":
            if rule.merge_after_changes == "reset":
                if streak:
                    evidence.append(
                        f"{day}: {event.ref} merged after requested changes; streak restarts"
                    )
                streak = 0
            continue  # `hold`: not clean, not a failure; the streak stays where it was
        if event.kind == "merge":
            streak += 1
            rate = _rate(events, event.at, rule.window_days)
            ready = streak >= rule.promote_after_clean_merges and rate < rule.max_revert_rate
            if ready and level.rank < bounds.max.rank:
                raised = _step(level, +1, bounds)
                evidence.append(
                    f"{day}: promoted {level} -> {raised} after {streak} clean merges "
                    f"(last {event.ref}), revert rate {rate:.0%} in {rule.window_days}d"
                )
                level, streak = raised, 0
        elif event.kind in ("revert", "incident"):
            lowered = _step(level, -1, bounds)
            what = "revert" if event.kind == "revert" else "incident"
            if lowered is not level:
                evidence.append(f"{day}: demoted {level} -> {lowered} on {what} {event.ref}")
            else:
                evidence.append(f"{day}: {what} {event.ref} (already at the minimum {level})")
            level, streak = lowered, 0
        elif rule.rejection_resets_streak:
            if streak:
                evidence.append(f"{day}: PR {event.ref} rejected by a human; streak restarts")
            streak = 0
    merges = _in_window(events, now, rule.window_days, "merge")
    after_changes = _after_changes_in_window(events, now, rule.window_days)
    reverts = _in_window(events, now, rule.window_days, "revert")
    incidents = _in_window(events, now, rule.window_days, "incident")
    rejections = _in_window(events, now, rule.window_days, "rejection")
    rate = _rate(events, now, rule.window_days)
    evidence.append(
        f"last {rule.window_days}d: {merges} merged ({merges - after_changes} clean, "
        f"{after_changes} after requested changes: {rule.merge_after_changes}), "
        f"{reverts} reverted, {incidents} "
        f"{'incident' if incidents == 1 else 'incidents'}, "
        f"{rejections} rejected; revert rate {rate:.0%}; clean streak {streak}/"
        f"{rule.promote_after_clean_merges}"
    )
    held: str | None = None
    if evidence_rule is not None:
        shortfall = evidence_shortfall(evidence_rule, eval_evidence)
        ceiling = _LEVELS[max(AutonomyLevel.L1.rank, bounds.min.rank)]
        if shortfall is not None:
            held = shortfall
            if level.rank > ceiling.rank:
                evidence.append(f"held at {ceiling} (earned {level}): {shortfall}")
                level = ceiling
            else:
                evidence.append(f"above L1 would need a passing eval: {shortfall}")
        else:
            evidence.append(f"eval {eval_evidence.eval_id if eval_evidence else '?'} passes")
    return Assessment(
        level=level,
        held_by_eval=held,
        config_hash=eval_evidence.config_hash if eval_evidence else None,
        range=bounds,
        changed_from=previous if previous is not None and previous is not level else None,
        streak=streak,
        window_merges=merges,
        window_merges_after_changes=after_changes,
        window_reverts=reverts,
        window_incidents=incidents,
        window_rejections=rejections,
        revert_rate=rate,
        evidence=evidence,
    )


def evidence_shortfall(rule: EvidenceRule, found: EvalEvidence | None) -> str | None:
    """Why `found` does not pass `rule` (None when it passes)."""
    if found is None or found.eval_id is None:
        under = f" {found.config_hash[:12]}" if found is not None else ""
        return f"no finished eval under the current configuration{under}"
    name = f"eval {found.eval_id}"
    if found.tasks < rule.min_tasks:
        return f"{name} ran {found.tasks} tasks; at least {rule.min_tasks} are required"
    if found.resolved_rate is None or found.resolved_rate < rule.min_resolved:
        shown = "no judged task" if found.resolved_rate is None else f"{found.resolved_rate:.0%}"
        return f"{name} resolved {shown}; at least {rule.min_resolved:.0%} is required"
    if found.false_merge_rate is None or found.false_merge_rate > rule.max_false_merge:
        shown = "unknown" if found.false_merge_rate is None else f"{found.false_merge_rate:.0%}"
        return f"{name} false merge rate {shown}; at most {rule.max_false_merge:.0%} is allowed"
    return None
