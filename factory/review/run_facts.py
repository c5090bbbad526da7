"""What one run's events say: the kinds of event the review's figures use, folded into a
`RunFacts` one by one as the events stream out of the store in chain order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from factory.support.utc import as_utc

EVENT_KINDS = (
    "model.call",
    "node.finished",
    "git.commit",
    "tests.report",
    "gate.decision",
    "merge.done",
    "pr.merged",
    "approval.approve",
    "approval.reject",
    "approval.approved",
    "approval.rejected",
    "run.waiting",
    "run.stopped",
    "run.error",
    "autonomy.level_changed",
    "tests.baseline",
)


def parse_ts(text: str) -> datetime:
    """An event's stored timestamp (`...Z`) as an aware datetime."""
    return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


@dataclass
class RunFacts:
    """What one run's events say, folded as they stream by."""

    model_calls: int = 0
    unpriced_calls: int = 0
    cost_usd: float = 0.0
    cost_by_role: dict[str, float | None] = field(default_factory=dict)
    cost_by_model: dict[str, float | None] = field(default_factory=dict)
    tokens_in: int = 0
    tokens_out: int = 0
    cache_read: int = 0
    sandbox_s: float = 0.0
    commits: list[str] = field(default_factory=list)
    first_commit_at: datetime | None = None
    code_rounds: int = 0
    test_reports: list[bool] = field(default_factory=list)
    flaky: list[str] = field(default_factory=list)
    verdicts: list[tuple[str, str]] = field(default_factory=list)
    """(policy, outcome) of every gate verdict."""
    decision: str | None = None
    touched_protected: bool = False
    secret_caught: bool = False
    merged_at: datetime | None = None
    merged_by: str | None = None
    merge_sha: str | None = None
    approved_by: str | None = None
    waiting_since: datetime | None = None
    decided_at: datetime | None = None
    stop_reason: str | None = None
    level_changes: list[dict[str, Any]] = field(default_factory=list)
    baseline: tuple[datetime, int | None, str] | None = None
    """(when, exit code if recorded, summary) of the base commit's test run."""
    _failing_since_commit: set[str] = field(default_factory=set)

    @property
    def cost(self) -> float | None:
        """Exact dollars, or None when any model call had no known price."""
        return None if self.unpriced_calls else self.cost_usd


def no_new_failures(report: dict[str, Any]) -> bool:
    """A `tests.report` by the run's own rule (`TestReport.green`): recorded since the event
    carries it; for older events, the same rule from the counts the event kept."""
    if "green" in report:
        return bool(report["green"])
    if report.get("newly_failing"):
        return False
    if report.get("exit_code") == 0:
        return True
    failing = int(report.get("failed") or 0) + int(report.get("errors") or 0)
    return bool(report.get("structured")) and 0 < failing <= len(report.get("still_failing") or [])


def fold_event(facts: RunFacts, kind: str, actor: str, ts: str, payload_text: str) -> None:
    """Add one event to a run's facts (events arrive in chain order)."""
    data = orjson.loads(payload_text)
    if kind == "model.call":  # most of the rows: written out, no loops, no temporaries
        facts.model_calls += 1
        cost = data.get("cost_usd")
        model = data.get("model") or "unknown model"
        by_role, by_model = facts.cost_by_role, facts.cost_by_model
        before = by_role.get(actor, 0.0)
        by_role[actor] = None if cost is None or before is None else before + cost
        before = by_model.get(model, 0.0)
        by_model[model] = None if cost is None or before is None else before + cost
        if cost is None:
            facts.unpriced_calls += 1
        else:
            facts.cost_usd += cost
        facts.tokens_in += (data.get("input_tokens") or 0) + (data.get("cache_write_tokens") or 0)
        facts.cache_read += data.get("cache_read_tokens") or 0
        facts.tokens_out += data.get("output_tokens") or 0
    elif kind == "node.finished":
        facts.sandbox_s += data.get("sandbox_s") or 0.0
        if data.get("node") == "code":
            facts.code_rounds += 1
    elif kind == "git.commit":
        facts.commits.append(str(data.get("sha")))
        facts.first_commit_at = facts.first_commit_at or parse_ts(ts)
        facts._failing_since_commit = set()
    elif kind == "tests.report":
        failing = set(data.get("newly_failing") or [])
        facts.test_reports.append(no_new_failures(data))
        # Failed, then passed with no commit in between: the same code, so the test is flaky.
        facts.flaky.extend(sorted(facts._failing_since_commit - failing))
        facts._failing_since_commit = failing
    elif kind == "gate.decision":
        decision = data.get("decision") or {}
        facts.decision = decision.get("decision")
        for verdict in decision.get("verdicts") or []:
            policy, outcome = verdict.get("policy") or "?", verdict.get("outcome") or "?"
            facts.verdicts.append((policy, outcome))
            if outcome != "allow" and policy == "protected_paths":
                facts.touched_protected = True
            if outcome != "allow" and policy == "secret_scan":
                facts.secret_caught = True
    elif kind in ("merge.done", "pr.merged") and facts.merged_at is None:
        # The factory merged (`merge.done`), or a person did (`pr.merged`: `factory pr merge`,
        # or GitHub's button as the forge reported it, at the forge's time). The first counts.
        if kind == "merge.done":
            facts.merged_at = parse_ts(ts)
            facts.merged_by = str(data.get("by") or "factory")
            facts.merge_sha = data.get("sha")
        else:
            facts.merged_at = parse_ts(str(data.get("merged_at") or ts))
            facts.merged_by = actor.removeprefix("human:")
            facts.merge_sha = data.get("merged_sha")
    elif kind in ("approval.approve", "approval.approved"):
        facts.approved_by = actor.removeprefix("human:")
        facts.decided_at = facts.decided_at or parse_ts(ts)
    elif kind in ("approval.reject", "approval.rejected"):
        facts.decided_at = facts.decided_at or parse_ts(ts)
    elif kind == "run.waiting":
        facts.waiting_since = parse_ts(ts)
    elif kind == "run.stopped":
        facts.stop_reason = str(data.get("reason") or "stopped")
    elif kind == "run.error":
        facts.stop_reason = "error"
    elif kind == "tests.baseline":
        facts.baseline = (parse_ts(ts), data.get("exit_code"), str(data.get("summary") or ""))
    elif kind == "autonomy.level_changed":
        facts.level_changes.append({**data, "at": ts})
