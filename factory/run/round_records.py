"""A follow-up round on the run's audit chain and in its checkpoint: the log entry, the
replies to what it addressed, and `round.finished`, each written once however often a
crashed round is resumed."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from factory.forges.feedback import feedback_forge
from factory.run.pr_body import with_footer
from factory.run.round_state import RoundLogEntry, RoundOutcome, with_rounds_log
from factory.run.run_context import RunContext
from factory.run.state import RunState
from factory.store import Store
from factory.support.markdown import code, inline
from factory.support.utc import as_utc, utcnow
from harness.config import BudgetConfig
from harness.redact import redact_text

ROUND_REQUESTED = "round.requested"
ROUND_STARTED = "round.started"
ROUND_FINISHED = "round.finished"
ROUND_REFUSED = "round.refused"
FEEDBACK_IGNORED = "feedback.ignored"
FEEDBACK_REPLIED = "feedback.replied"
REPLIED_KINDS = ("review", "review_comment", "issue_comment")

ENDING_OUTCOME: dict[str, RoundOutcome] = {
    "merged": "merged",
    "needs_human": "needs_human",
    "budget_exceeded": "budget_exceeded",
    "failed": "failed",
    "rejected": "failed",
    "refused": "needs_human",
}


def round_open(state: RunState) -> bool:
    """Whether the state's current round has no log entry yet (it is under way)."""
    return state.round_request is not None and all(
        entry.number != state.round for entry in state.rounds
    )


def started_payload(store: Store, run_id: str, number: int) -> tuple[dict[str, Any], datetime]:
    """What `round.started` recorded for round `number`, and when."""
    for event in reversed(store.events.read(run_id)):
        if event.kind == ROUND_STARTED:
            payload = json.loads(event.payload)
            if payload.get("round") == number:
                return payload, as_utc(datetime.fromisoformat(event.ts.replace("Z", "+00:00")))
    return {}, utcnow()


def round_limits(
    store: Store, run_id: str, limits: BudgetConfig, values: dict[str, Any], followup_usd: float
) -> BudgetConfig:
    """The budget of a stretch of driving: the run's own limits, and during a round the same
    limits again counted from what the run had spent when the round started, its dollars also
    held to what is left of the pull request's follow-up budget."""
    number = int(values.get("round") or 0)
    rounds = list(values.get("rounds") or [])
    if not number or values.get("round_request") is None:
        return limits
    if any(_entry_number(entry) == number for entry in rounds):
        return limits
    before, _ = started_payload(store, run_id, number)
    if not before:
        return limits
    spent_on_rounds = sum(_entry_cost(entry) for entry in rounds)
    left = max(followup_usd - spent_on_rounds, 0.0)
    return limits.model_copy(
        update={
            "max_steps": limits.max_steps + int(before.get("model_calls_before", 0)),
            "max_tokens": limits.max_tokens + int(before.get("tokens_before", 0)),
            "max_usd": float(before.get("cost_usd_before", 0.0)) + min(limits.max_usd, left),
            "max_wall_s": limits.max_wall_s + float(before.get("wall_s_before", 0.0)),
        }
    )


def _entry_number(entry: Any) -> int:
    return int(entry.number if isinstance(entry, RoundLogEntry) else entry["number"])


def _entry_cost(entry: Any) -> float:
    return float(entry.cost_usd if isinstance(entry, RoundLogEntry) else entry["cost_usd"])


def log_entry(
    store: Store, run_id: str, state: RunState, outcome: RoundOutcome, head_sha: str | None
) -> RoundLogEntry:
    assert state.round_request is not None
    before, started_at = started_payload(store, run_id, state.round)
    new_changes = state.changes[int(before.get("changes_before", len(state.changes))) :]
    summary = " ".join(change.summary for change in new_changes) or "(the coder changed nothing)"
    return RoundLogEntry(
        number=state.round,
        kind=state.round_request.kind,
        outcome=outcome,
        head_sha=head_sha,
        summary=summary[:500],
        cost_usd=round(state.cost_usd - float(before.get("cost_usd_before", 0.0)), 6),
        model_calls=state.model_calls - int(before.get("model_calls_before", 0)),
        started_at=started_at,
        finished_at=utcnow(),
    )


def delivered_round(
    ctx: RunContext, state: RunState, pr_number: int, head_sha: str | None, result: dict[str, Any]
) -> dict[str, Any]:
    """Deliver's part of a round: its log entry (in the state and the PR body) and a reply to
    each item it addressed. `result` is what deliver decided (merged, waiting...)."""
    assert state.round_request is not None
    ending = result.get("ending")
    outcome: RoundOutcome = ENDING_OUTCOME.get(str(ending), "pushed")
    if outcome == "pushed" and head_sha == state.round_request.head_sha:
        outcome = "no_change"
    entry = log_entry(ctx.store, ctx.run_id, state, outcome, head_sha)
    rounds = [*state.rounds, entry]
    pull = ctx.forge.get_pull_request(pr_number)
    body = with_footer(with_rounds_log(pull.body, rounds), state, ctx.run_id)
    if body != pull.body:
        ctx.forge.update_body(pr_number, redact_text(body))
    reply_to_items(ctx, state, pr_number, entry)
    return {"rounds": rounds}


def reply_to_items(ctx: RunContext, state: RunState, pr_number: int, entry: RoundLogEntry) -> None:
    """One reply per addressed review or comment: what changed, or why nothing did."""
    forge = feedback_forge(ctx.forge)
    assert state.round_request is not None
    if forge is None:
        return
    replied = {
        json.loads(event.payload).get("item_id")
        for event in ctx.store.events.read(ctx.run_id)
        if event.kind == FEEDBACK_REPLIED
    }
    text = reply_text(entry)
    for item in state.round_request.items:
        if item.kind not in REPLIED_KINDS or item.id in replied:
            continue
        forge.reply(pr_number, item, text)
        ctx.event(FEEDBACK_REPLIED, {"item_id": item.id})


def reply_text(entry: RoundLogEntry) -> str:
    summary = inline(entry.summary)
    if entry.outcome in ("pushed", "merged") and entry.head_sha:
        said = f"addressed in {code(entry.head_sha[:12])}: {summary}"
    elif entry.outcome == "no_change":
        said = f"no change made. The coder said: {summary}"
    else:
        said = f"stopped ({inline(entry.outcome)}): {summary}; a person needs to look"
    return redact_text(f"agent-factory, follow-up round {entry.number}: {said}")


def close_round(store: Store, run_id: str, graph: Any, thread: dict[str, Any]) -> None:
    """After a stretch of driving ended or paused: a round that ended before delivering
    gets its log entry, and every finished round its `round.finished`, once."""
    snapshot = graph.get_state(thread)
    state = RunState.model_validate(snapshot.values)
    if state.round_request is None or state.round == 0:
        return
    for event in store.events.read(run_id):
        if event.kind == ROUND_FINISHED and json.loads(event.payload).get("round") == state.round:
            return
    entry = next((e for e in state.rounds if e.number == state.round), None)
    if entry is None:
        outcome = ENDING_OUTCOME.get(str(state.ending), "failed")
        entry = log_entry(store, run_id, state, outcome, None)
        if state.ending is not None:
            graph.update_state(thread, {"rounds": [*state.rounds, entry]}, as_node="deliver")
    items = state.round_request.items
    store.events.append(
        run_id,
        ROUND_FINISHED,
        "system",
        {
            "round": state.round,
            "kind": state.round_request.kind,
            "outcome": entry.outcome,
            "head_sha": entry.head_sha,
            "cost_usd": entry.cost_usd,
            "model_calls": entry.model_calls,
            "comments": len(items),
            "requested_changes": sum(
                1 for item in items if item.review_state == "CHANGES_REQUESTED"
            ),
        },
    )
