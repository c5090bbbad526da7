"""Reviews and comments on a factory pull request become a follow-up round of its run.

`feedback_step` reads the pull request's feedback from the forge, leaves out what the store
has seen (each item is taken once, `store.feedback_seen`), records why each ignored item was
ignored (`feedback.ignored`, once per item), merges on an approval when the run waits for one,
and hands the rest to one round (`run/rounds.py`) unless a guard refuses it: then
`round.refused` is recorded, the run waits for a person with the reason, and the pull request
says so, once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from factory.forges.feedback import FeedbackItem, feedback_forge
from factory.pulls.guards import round_refusal, sort_feedback
from factory.run.driving import RunError
from factory.run.round_records import FEEDBACK_IGNORED, ROUND_REFUSED, ROUND_STARTED
from factory.run.round_state import round_request
from factory.run.rounds import ROUND_STATUSES, start_round
from factory.store import RunStatus
from factory.support.markdown import inline

if TYPE_CHECKING:
    from factory.pulls.maintain import PullContext, StepOutcome

STEP = "feedback"


def feedback_step(ctx: PullContext) -> StepOutcome | None:
    """Act on the pull request's new reviews and comments (see the module's docstring)."""
    from factory.pulls.maintain import StepOutcome

    run, state = ctx.run, ctx.state
    forge = feedback_forge(ctx.forge)
    if run is None or state is None or forge is None:
        return None
    if RunStatus(run.status) not in ROUND_STATUSES:
        return None
    number = ctx.pull.number
    seen = ctx.store.feedback_seen.seen(ctx.repo, number)
    fresh = [item for item in forge.feedback(number) if item.id not in seen]
    if not fresh:
        return None
    settings = ctx.governing()
    sorted_ = sort_feedback(fresh, forge.feedback_login(), settings)
    ctx.store.feedback_seen.take(
        ctx.repo, number, [item.id for item in sorted_.own], action="own", run_id=run.id
    )
    ignored = _ignore(ctx, sorted_.ignored)
    if sorted_.actionable:
        # An approval given alongside requested changes approved what is about to change:
        # it merges nothing; the reviewer approves the round's result if they want it.
        superseded = [item.id for item in sorted_.approvals]
        ctx.store.feedback_seen.take(
            ctx.repo, number, superseded, action="superseded by requested changes", run_id=run.id
        )
        return _round(ctx, sorted_.actionable)
    if sorted_.approvals:
        return _approve(ctx, sorted_.approvals)
    if ignored:
        return StepOutcome(step=STEP, action="ignored", detail=f"{ignored} item(s) ignored")
    return None


def _ignore(ctx: PullContext, ignored: list[tuple[FeedbackItem, str]]) -> int:
    count = 0
    assert ctx.run is not None
    for item, reason in ignored:
        taken = ctx.store.feedback_seen.take(
            ctx.repo, ctx.pull.number, [item.id], action=f"ignored: {reason}", run_id=ctx.run.id
        )
        if taken:
            ctx.store.events.append(
                ctx.run.id,
                FEEDBACK_IGNORED,
                "system",
                {"item_id": item.id, "author": item.author, "reason": reason},
            )
            count += 1
    return count


def _round(ctx: PullContext, items: list[FeedbackItem]) -> StepOutcome | None:
    from factory.pulls.maintain import StepOutcome

    run, state = ctx.run, ctx.state
    assert run is not None and state is not None
    number = ctx.pull.number
    request = round_request("review", items, ctx.pull.head_sha)
    refusal = round_refusal(state, request, ctx.governing(), ctx.repo)
    ids = [item.id for item in items]
    if refusal is not None:
        taken = ctx.store.feedback_seen.take(
            ctx.repo, number, ids, action="refused", run_id=run.id, round=state.round
        )
        if not taken:
            return None
        refuse_round(ctx, "review", refusal)
        return StepOutcome(step=STEP, action="refused", detail=refusal, stop=True)
    round_number = state.round + 1
    taken = ctx.store.feedback_seen.take(
        ctx.repo, number, ids, action="round", run_id=run.id, round=round_number
    )
    if not taken:
        return None  # another pass took them first: it runs the round
    request = round_request(
        "review", [item for item in items if item.id in taken], request.head_sha
    )
    try:
        result = start_round(ctx.config, ctx.store, run.id, request, forge=ctx.forge)
    except RunError:
        if not _round_started(ctx, run.id, round_number):
            # Nothing started (another driver holds the run, it is halted...): the items
            # stay new for the next pass.
            ctx.store.feedback_seen.release(ctx.repo, number, taken)
        raise
    detail = f"round {result.round} {result.outcome}"
    if result.reason:
        detail += f" ({result.reason})"
    return StepOutcome(step=STEP, action="round", detail=detail)


def _round_started(ctx: PullContext, run_id: str, number: int) -> bool:
    return any(
        event.kind == ROUND_STARTED and f'"round":{number}' in event.payload
        for event in ctx.store.events.read(run_id)
    )


def refuse_round(ctx: PullContext, kind: str, reason: str) -> None:
    """A guard refused a round: on the chain, on the run (needs a human, with the reason),
    and on the pull request, where the reviewer looks."""
    assert ctx.run is not None
    ctx.store.events.append(ctx.run.id, ROUND_REFUSED, "system", {"kind": kind, "reason": reason})
    ctx.store.runs.update(ctx.run.id, status=RunStatus.NEEDS_HUMAN, outcome=reason[:500])
    ctx.store.claims.release_run(ctx.run.id)
    ctx.forge.comment(
        ctx.pull.number,
        f"agent-factory will not start another follow-up round: {inline(reason)}. "
        f"Branch `{ctx.pull.head_branch}` is yours to take over.",
    )


def _approve(ctx: PullContext, approvals: list[FeedbackItem]) -> StepOutcome | None:
    """An approval by a person with write access merges a run that waits for approval, as
    `factory approve` does; on any other run it is only noted."""
    from factory.pulls.maintain import StepOutcome
    from factory.run.runner import answer_approval

    run = ctx.run
    assert run is not None
    ids = [item.id for item in approvals]
    waiting = run.status == RunStatus.WAITING_APPROVAL.value
    action = "approved" if waiting else "approved: the run does not wait for approval"
    taken = ctx.store.feedback_seen.take(
        ctx.repo, ctx.pull.number, ids, action=action, run_id=run.id
    )
    if not taken or not waiting:
        return None
    approval = next(item for item in approvals if item.id in taken)
    answer = {"action": "approve", "by": f"human:{approval.author}", "comment": None}
    summary = answer_approval(ctx.config, ctx.store, run.id, answer)
    return StepOutcome(
        step=STEP,
        action="approved",
        detail=f"approved by {approval.author}: {summary.status.value}",
    )
