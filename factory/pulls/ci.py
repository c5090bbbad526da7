"""The maintenance pass's CI step: the forge's checks on a factory pull request's head.

`check_pull` reads the head's checks (`ci.read`, recorded when what it reads changes), then:
- pending: nothing to do yet ("waiting for checks");
- green: a run that waits for its checks before merging (`factory/run/checks_wait.py`) is
  judged again with them and merged when the gate still says merge;
- failing: each failed check is classified (`ci_classify.py`). An infrastructure failure is
  said on the pull request and recorded (`ci.infrastructure`), once per check and commit,
  and starts no agent. A failure not yet confirmed is rerun (`ci.rerun`), at most
  `flaky_reruns` times per check and head commit, with no agent; one that then passes was
  flaky. A deterministic failure starts a fix round with the failing log excerpts as the
  coder's feedback, at most `max_ci_fix_rounds` per pull request, and never twice on the
  same failure signature while the head has not changed since.

Only a fix round or a merge ends the pass for the pull request (`stop`): a rerun, an
infrastructure failure or a refused fix round leaves a reviewer's feedback to the next step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from factory.forges.base import ForgeError, MergeBlocked
from factory.forges.build import forge_checks
from factory.forges.checks import CheckRun, ChecksForge, read_checks, summarize_checks
from factory.forges.feedback import FeedbackItem
from factory.gate.checks_rejudge import rejudge_with_checks
from factory.gate.replay import GATE_DECISION_EVENT
from factory.git import ensure_clone
from factory.pulls.ci_classify import classify_failure, failure_signature, log_excerpt
from factory.run.checks_wait import ci_read_payload, record_ci_read
from factory.run.rounds import RoundRequest, start_round
from factory.store import RunStatus
from factory.store.models import Event
from factory.support.markdown import inline
from factory.support.utc import utcnow
from harness.redact import redact_text
from policies.models import ChecksSummary, DecisionKind

if TYPE_CHECKING:  # maintain.py imports this step: its types are read lazily
    from factory.pulls.maintain import PullContext, StepOutcome

STEP = "ci"
ACTOR = "system"


def _outcome(action: str, detail: str = "", *, stop: bool = False) -> StepOutcome:
    from factory.pulls.maintain import StepOutcome

    return StepOutcome(step=STEP, action=action, detail=detail, stop=stop)


def check_pull(ctx: PullContext) -> StepOutcome | None:
    """Read the head's checks and act on them; None when there is nothing to read."""
    pull = ctx.pull
    if ctx.run is None or pull.status not in ("open", "draft") or not pull.head_sha:
        return None
    settings = ctx.governing()  # the operator's, narrowed by the repository's own file
    source = forge_checks(ctx.config, ctx.repo, settings, ctx.forge)
    if source is None:
        return None
    sha = pull.head_sha
    try:
        checks = read_checks(source, sha, pull.base_branch, settings.required_checks)
    except ForgeError as error:
        return _outcome("unreadable", str(error)[:300])
    run_id = ctx.run.id
    events = ctx.store.events.read(run_id)
    summary = summarize_checks(sha, checks)
    _record_read(ctx, events, sha, summary.state, checks)
    if summary.state == "none":
        return None
    if summary.state == "pending":
        detail = f"waiting for checks: {', '.join(summary.pending)}"
        return _outcome("waiting", detail)
    if summary.state == "green":
        return _merge_when_waiting(ctx, events, summary)
    if summary.pending:
        # GitHub reruns an Actions job only once its whole workflow run has finished, and
        # the failure's kind is clearer with every check in: wait for the rest.
        detail = (
            f"waiting for checks: {', '.join(summary.pending)} (failing so far: "
            f"{', '.join(summary.failing)})"
        )
        return _outcome("waiting", detail)
    counted = [check for check in checks if check.required] or checks
    return _act_on_failures(ctx, source, events, sha, [c for c in counted if c.failed])


def _act_on_failures(
    ctx: PullContext,
    source: ChecksForge,
    events: Sequence[Event],
    sha: str,
    failed: list[CheckRun],
) -> StepOutcome:
    assert ctx.run is not None
    rerun: list[str] = []
    infrastructure: list[str] = []
    deterministic: list[tuple[CheckRun, str]] = []
    for check in failed:
        try:
            log = source.check_log(check)
        except ForgeError as error:
            log = ""
            reason = f"its log could not be read ({error})"
            _say_infrastructure(ctx, events, sha, check, reason)
            infrastructure.append(check.name)
            continue
        done = _reruns(events, sha, check.name)
        kind, why = classify_failure(
            check, log, reruns_done=done, flaky_reruns=ctx.governing().flaky_reruns
        )
        if kind == "infrastructure":
            _say_infrastructure(ctx, events, sha, check, why)
            infrastructure.append(check.name)
        elif kind == "rerun" and _rerun(ctx, source, sha, check):
            rerun.append(check.name)
        else:
            deterministic.append((check, log))
    if rerun:
        detail = f"reran {', '.join(rerun)} (a flaky check passes on a rerun)"
        return _outcome("rerun", detail)
    if deterministic:
        return _fix_round(ctx, events, sha, deterministic)
    detail = f"infrastructure failure of {', '.join(infrastructure)}: no agent started"
    return _outcome("infrastructure", detail)


def _fix_round(
    ctx: PullContext, events: Sequence[Event], sha: str, failures: list[tuple[CheckRun, str]]
) -> StepOutcome:
    """A deterministic failure: a fix round, within the cap and never on a repeat."""
    assert ctx.run is not None
    signature = failure_signature((check.name, log) for check, log in failures)
    asked = [_payload(e) for e in events if e.kind == "round.requested"]
    ci_rounds = [p for p in asked if p.get("kind") == "ci"]
    names = ", ".join(check.name for check, _log in failures)
    if any(p.get("signature") == signature and p.get("head_sha") == sha for p in ci_rounds):
        reason = (
            f"CI still fails the same way ({names}) and the branch has not changed since the "
            "fix round that addressed it"
        )
        return _refuse(ctx, events, reason)
    cap = ctx.governing().max_ci_fix_rounds
    if len(ci_rounds) >= cap:
        reason = (
            f"CI fails ({names}) after {len(ci_rounds)} fix round(s), the cap "
            f"(max_ci_fix_rounds = {cap})"
        )
        return _refuse(ctx, events, reason)
    items = [
        FeedbackItem(
            id=f"ci:{signature[:16]}:{check.name}",
            kind="ci_failure",
            author=f"ci:{check.name}",
            body=_feedback_body(check, log),
        )
        for check, log in failures
    ]
    request = RoundRequest(kind="ci", items=items, signature=signature, head_sha=sha)
    result = start_round(ctx.config, ctx.store, ctx.run.id, request, forge=ctx.forge)
    detail = f"fix round {result.round} for {names}: {result.outcome}"
    if result.reason:
        detail += f" ({result.reason})"
    return _outcome("fix_round", detail, stop=True)


def _feedback_body(check: CheckRun, log: str) -> str:
    """What the coder reads of a failed check: its name, conclusion and log excerpt. The
    text is untrusted; the round fences it as such."""
    # A CI log can print what the forge failed to mask: secrets are masked before a model
    # (and the run's transcripts) see it.
    excerpt = redact_text(log_excerpt(log) or check.details or "(the check left no log)")
    return (
        f"The CI check `{check.name}` failed ({check.conclusion}) on the pull request's head. "
        f"Its log ends:\n{excerpt}"
    )


def _refuse(ctx: PullContext, events: Sequence[Event], reason: str) -> StepOutcome:
    """No fix round: the run needs a human, said once (not on every pass)."""
    assert ctx.run is not None
    already = any(e.kind == "round.refused" and _payload(e).get("reason") == reason for e in events)
    if not already:
        ctx.store.events.append(
            ctx.run.id, "round.refused", ACTOR, {"kind": "ci", "reason": reason}
        )
        ctx.store.runs.update(ctx.run.id, status=RunStatus.NEEDS_HUMAN, outcome=reason[:500])
        ctx.forge.comment(
            ctx.pull.number, f"agent-factory will not start another CI fix round: {inline(reason)}"
        )
    return _outcome("needs_human", reason)


def _rerun(ctx: PullContext, source: ChecksForge, sha: str, check: CheckRun) -> bool:
    assert ctx.run is not None
    try:
        asked = source.rerun(check)
    except ForgeError:
        return False
    if asked:
        ctx.store.events.append(ctx.run.id, "ci.rerun", ACTOR, {"sha": sha, "check": check.name})
    return asked


def _say_infrastructure(
    ctx: PullContext, events: Sequence[Event], sha: str, check: CheckRun, reason: str
) -> None:
    """Once per check and commit: on the record and on the pull request."""
    assert ctx.run is not None
    for event in events:
        payload = _payload(event)
        if event.kind == "ci.infrastructure" and (payload.get("sha"), payload.get("check")) == (
            sha,
            check.name,
        ):
            return
    ctx.store.events.append(
        ctx.run.id,
        "ci.infrastructure",
        ACTOR,
        {"sha": sha, "check": check.name, "reason": reason[:500]},
    )
    ctx.forge.comment(
        ctx.pull.number,
        f"agent-factory: the CI check {inline(check.name)} failed on {sha[:12]} for a reason "
        f"of the runner, not of the change: {inline(reason)}. No agent was started; rerun the "
        "check on the forge once the runner is fixed.",
    )


def _merge_when_waiting(
    ctx: PullContext, events: Sequence[Event], summary: ChecksSummary
) -> StepOutcome | None:
    """Green checks: a run that waits for them before its merge is judged again and merged."""
    assert ctx.run is not None
    if _waits_for_checks(events) != summary.sha:
        # Only the head the gate judged is merged: commits pushed since (a person's) were
        # never judged, and a round judges its own.
        return None
    source, env = ctx.forge.clone_source()  # the base branch's policies and owners
    clone = ensure_clone(source, ctx.config.factory.data_dir / "clones", env=env)
    judged = rejudge_with_checks(ctx.store, ctx.run.id, ctx.governing(), summary, clone=clone)
    if judged is None:
        return None
    decision = judged[1]
    if decision.decision != DecisionKind.MERGE:
        reason = "; ".join(decision.reasons)
        ctx.store.runs.update(ctx.run.id, status=RunStatus.NEEDS_HUMAN, outcome=reason[:500])
        return _outcome("needs_human", reason, stop=True)
    number = ctx.pull.number
    try:
        sha = ctx.forge.merge(number)
    except MergeBlocked as blocked:
        ctx.store.events.append(
            ctx.run.id, "merge.blocked", ACTOR, {"pr": number, "reason": str(blocked)}
        )
        return _outcome("merge_blocked", str(blocked), stop=True)
    ctx.store.events.append(
        ctx.run.id, "merge.done", ACTOR, {"pr": number, "sha": sha, "by": "factory"}
    )
    ctx.store.runs.update(
        ctx.run.id, status=RunStatus.MERGED, outcome=f"merged as {sha[:12]}", finished_at=utcnow()
    )
    ctx.store.claims.release_run(ctx.run.id)
    return _outcome("merged", f"checks green: merged as {sha[:12]}", stop=True)


def _waits_for_checks(events: Sequence[Event]) -> str | None:
    """The head whose checks the run waits for before merging, when its last word is
    "waiting for checks" (no merge, no later decision since)."""
    for event in reversed(events):
        if event.kind in ("merge.done", "pr.merged", "pr.closed", "approval.rejected"):
            return None
        if event.kind == GATE_DECISION_EVENT:
            return None  # judged again since (a round): that judgement's delivery decides
        if event.kind == "run.waiting":
            payload = _payload(event)
            return str(payload.get("sha")) if payload.get("for") == "checks" else None
    return None


def _record_read(
    ctx: PullContext, events: Sequence[Event], sha: str, state: str, checks: Sequence[CheckRun]
) -> None:
    """`ci.read`, with the checks that passed only on a rerun listed as flaky."""
    assert ctx.run is not None
    payload = ci_read_payload(sha, state, checks)
    flaky = sorted(
        check.name for check in checks if check.passed and _reruns(events, sha, check.name)
    )
    if flaky:
        payload["flaky"] = flaky
    record_ci_read(ctx.store, ctx.run.id, payload)


def _reruns(events: Sequence[Event], sha: str, name: str) -> int:
    return sum(
        1
        for event in events
        if event.kind == "ci.rerun" and _payload(event) == {"sha": sha, "check": name}
    )


def _payload(event: Event) -> dict[str, Any]:
    value = json.loads(event.payload) if event.payload else {}
    return value if isinstance(value, dict) else {}
