"""The graph's nodes. Each takes the run's state and returns the fields it changes.

Nodes that run an agent start from the branch's last commit (so a node repeated after a crash
does its work once), record the agent's output as an event, then commit it as one step.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any

from langgraph.types import interrupt

from agents import coder, planner, reviewer, tester
from agents.briefing import ticket_block
from agents.models import AddedTests, CodeChange, Plan, Review
from agents.test_report import TestReport, fails_to_run
from agents.untrusted import removal_record
from factory.gate.replay import GATE_DECISION_EVENT, gate_decision_payload
from factory.gate.repo_policies import clamp_level
from factory.git import commit_step, find_step_commit
from factory.git.worktree import diff_against_base, reset_to_head, tracked_paths
from factory.run import delivery
from factory.run.baseline import baseline_report
from factory.run.judging import judge_run
from factory.run.round_state import coder_brief
from factory.run.run_context import RunContext, RunHalted
from factory.run.state import RunState
from factory.support import failpoints
from factory.support.errors import FAILED, FactoryError
from harness.loop import AgentResult
from policies.config import AutonomyLevel

UNTRUSTED_CLEANED_EVENT = "untrusted.cleaned"


class ModelFailed(FactoryError, RuntimeError):
    """An agent's model gave no answer; the run stops resumably (`factory resume`)."""

    code = "model"
    exit_code = FAILED


BUDGET_STOPS = {"step_limit", "token_limit", "cost_limit", "time_limit"}


def _ticket(state: RunState) -> str:
    return ticket_block(state.ticket.title, state.ticket.body, list(state.ticket.labels))


def _stopped(ctx: RunContext, node: str, result: AgentResult) -> dict[str, Any] | None:
    """The run's ending when the agent did not finish, else None."""
    if result.stop_reason == "done":
        return None
    if result.stop_reason == "error":
        # The provider failed (an outage outlasting the retries, a rejected key): nothing about
        # the work is wrong, so the run stops resumably, as a crash does, and the node runs
        # again on `factory resume` once the model answers.
        raise ModelFailed(f"the {node} agent's model failed: {result.error}")
    if result.stop_reason == "halted":
        # A spend limit halted the run's scope mid-node: stop resumably, as at a boundary.
        reason = result.error or "halted"
        ctx.event("run.halted", {"node": node, "reason": reason, "by": "limits"})
        raise RunHalted(reason)
    ending = "budget_exceeded" if result.stop_reason in BUDGET_STOPS else "failed"
    error = result.error or f"the {node} agent stopped: {result.stop_reason}"
    details: dict[str, Any] = {}
    if result.stop_reason == "time_limit":
        error = f"wall budget of {ctx.deps.budget.limits.max_wall_s:g} s spent in node {node}"
    if result.stop_reason == "stuck":
        # A loop is not a fault a retry fixes: a person reads the trajectory and decides.
        ending = "needs_human"
        error = f"the {node} agent was stopped as {result.error} ([stuck] in factory.toml)"
        details["pattern"] = result.stuck_pattern
    ctx.event(
        "run.stopped", {"node": node, "reason": result.stop_reason, "error": error, **details}
    )
    return {"ending": ending, "error": error}


def _record_output(ctx: RunContext, node: str, iteration: int, output: Any, calls: int) -> None:
    ctx.event(
        "agent.output",
        {
            "node": node,
            "iteration": iteration,
            "output": output.model_dump(mode="json"),
            "model_calls": calls,
        },
    )


def _recorded_output(ctx: RunContext, node: str, iteration: int) -> dict[str, Any] | None:
    """The output an earlier attempt at this step recorded before it committed."""
    for event in reversed(ctx.store.events.read(ctx.run_id)):
        if event.kind != "agent.output":
            continue
        payload = json.loads(event.payload)
        if payload.get("node") == node and payload.get("iteration") == iteration:
            return dict(payload)
    return None


def _resume_step(ctx: RunContext, node: str, iteration: int) -> dict[str, Any] | None:
    """When this step's commit already exists, the output recorded with it; else None."""
    step = f"{node}-{iteration}"
    if find_step_commit(ctx.worktree, run_id=ctx.run_id, step=step) is None:
        return None
    recorded = _recorded_output(ctx, node, iteration)
    if recorded is not None:
        ctx.deps.budget.steps = max(ctx.deps.budget.steps, int(recorded["model_calls"]))
        ctx.event("step.reused", {"node": node, "iteration": iteration})
    return recorded


def _commit(ctx: RunContext, state: RunState, node: str, iteration: int, summary: str) -> None:
    title = state.ticket.title.strip().splitlines()[0][:60]
    outcome = commit_step(
        ctx.worktree,
        message=f"{node}: {title}\n\n{summary}",
        run_id=ctx.run_id,
        step=f"{node}-{iteration}",
        ticket_ref=state.ticket.name,
        identity=ctx.config.git,
    )
    if outcome.created:
        ctx.event("git.commit", {"node": node, "iteration": iteration, "sha": outcome.sha})
        failpoints.hit(f"{node}:committed")


def intake(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """Record the ticket, and narrow the level to the base branch's autonomy band."""
    ticket = state.ticket
    # The base branch's factory.toml may narrow the operator's range: it governs the run.
    level = clamp_level(ctx.repo.autonomy, AutonomyLevel(state.level)).value
    if level != state.level:
        ctx.event("autonomy.narrowed", {"from": state.level, "to": level, "by": "base branch"})
    ctx.store.tickets.record(
        ticket.ref,
        title=ticket.title,
        body=ticket.body,
        labels=list(ticket.labels),
        source=ticket.source,
    )
    # Every agent reads the ticket cleaned (agents.briefing); the chain says what they were spared.
    removed = removal_record(
        {"title": ticket.title, "body": ticket.body, "labels": "\n".join(ticket.labels)}
    )
    if removed is not None:
        ctx.event(UNTRUSTED_CLEANED_EVENT, {"source": "ticket", "ref": ticket.ref, **removed})
    ctx.event(
        "ticket.intake",
        {
            "ref": ticket.ref,
            "title": ticket.title,
            "labels": list(ticket.labels),
            "branch": state.branch,
            "base_sha": ctx.worktree.base_sha,
            "level": level,
        },
    )
    return {"base_sha": ctx.worktree.base_sha, "level": level}


def plan(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """The planner reads the repository with read-only tools and submits a `Plan`."""
    result = planner.plan(ctx.deps, _ticket(state))
    stopped = _stopped(ctx, "plan", result)
    if stopped:
        return stopped
    assert isinstance(result.output, Plan)
    _record_output(ctx, "plan", 0, result.output, ctx.deps.budget.steps)
    return {"plan": result.output}


def code(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """The coder edits the worktree and runs commands in the sandbox; its change is step
    `code-N`. On a resume, a step already committed is reused instead of asked again."""
    iteration = state.iteration + 1
    assert state.plan is not None
    recorded = _resume_step(ctx, "code", iteration)
    if recorded is not None:
        change = CodeChange.model_validate(recorded["output"])
    else:
        reset_to_head(ctx.worktree)
        brief = None
        if state.round_request is not None:
            brief = coder_brief(state.round_request, state.round)
        result = coder.code(ctx.deps, _ticket(state), state.plan, state.feedback, brief)
        stopped = _stopped(ctx, "code", result)
        if stopped:
            # Keep what the coder got done on the branch, so a person can pick it up.
            _commit(ctx, state, "partial", iteration, f"Unfinished: {stopped['error']}")
            return {**stopped, "iteration": iteration}
        assert isinstance(result.output, CodeChange)
        change = result.output
        _record_output(ctx, "code", iteration, change, ctx.deps.budget.steps)
        _commit(ctx, state, "code", iteration, change.summary)
    return {"iteration": iteration, "changes": [*state.changes, change], "feedback": None}


def test(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """The tester adds tests once (step `test-N`); then the suite runs in the sandbox and is
    compared with the base commit's run. Red tests become the coder's feedback."""
    assert state.plan is not None
    update: dict[str, Any] = {}
    added = state.added_tests
    if added is None:
        recorded = _resume_step(ctx, "test", state.iteration)
        if recorded is not None:
            added = AddedTests.model_validate(recorded["output"])
        else:
            reset_to_head(ctx.worktree)
            result = tester.write_tests(ctx.deps, _ticket(state), state.plan)
            stopped = _stopped(ctx, "test", result)
            if stopped:
                return stopped
            assert isinstance(result.output, AddedTests)
            added = result.output
            _record_output(ctx, "test", state.iteration, added, ctx.deps.budget.steps)
            _commit(ctx, state, "test", state.iteration, added.summary)
        added = _committed_tests(ctx, added)
        update["added_tests"] = added
    baseline = baseline_report(ctx, state.base_sha)
    report = tester.check(ctx.deps, baseline)
    # `green` recorded as the run judged it, so the review reads the run the same way.
    payload = {**report.model_dump(mode="json", exclude={"cases"}), "green": report.green}
    ctx.event("tests.report", payload)
    update["test_reports"] = [*state.test_reports, report]
    if fails_to_run(report, baseline):
        # No coder round can fix a command that cannot run: stop before spending them.
        return {**update, **_test_command_cannot_run(ctx, state, report)}
    if not report.green:
        update["feedback"] = report.feedback()
    return update


def _test_command_cannot_run(
    ctx: RunContext, state: RunState, report: TestReport
) -> dict[str, Any]:
    tail = report.output_tail.strip()[-600:] or "(no output)"
    error = (
        f"the test command `{report.command}` cannot run: it fails the same way on the base "
        f"commit and on the change (exit {report.exit_code}, no test failed):\n{tail}\n"
        f'Fix test_command in [repos."{state.repo}"] of factory.toml: it runs with sh in the '
        "sandbox with the repository at /workspace (for Python, e.g. `python3 -m pytest -q`); "
        f"`factory doctor --repo {state.repo}` tries it on the base commit. Then run the "
        "ticket again."
    )
    ctx.event(
        "tests.cannot_run",
        {"command": report.command, "exit_code": report.exit_code, "output": tail},
    )
    return {"ending": "failed", "error": error}


def _committed_tests(ctx: RunContext, added: AddedTests) -> AddedTests:
    """Only the tests that reached the branch as files count: a test file the tester named
    but left out (or that exists only as bytecode) is said, and not counted as added."""
    named = {path: posixpath.normpath(path) for path in added.tests_added}
    committed = tracked_paths(ctx.worktree, sorted(set(named.values())))

    def arrived(path: str) -> bool:
        return any(file == path or file.startswith(path + "/") for file in committed)

    missing = [path for path, clean in named.items() if not arrived(clean)]
    if not missing:
        return added
    ctx.event("tests.missing", {"paths": missing})
    kept = [path for path in added.tests_added if path not in missing]
    return added.model_copy(update={"tests_added": kept})


def review(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """The reviewer reads the diff against the ticket, plan and test results; requested
    changes become the coder's feedback."""
    assert state.plan is not None
    report = state.last_test_report
    tests = report.summary_text() if report is not None else "(no test run)"
    result = reviewer.review(
        ctx.deps, _ticket(state), state.plan, diff_against_base(ctx.worktree), tests
    )
    stopped = _stopped(ctx, "review", result)
    if stopped:
        return stopped
    assert isinstance(result.output, Review)
    verdict = result.output
    _record_output(ctx, "review", state.iteration, verdict, ctx.deps.budget.steps)
    update: dict[str, Any] = {"review": verdict}
    if verdict.verdict == "request_changes":
        lines = [f"- {f.file}:{f.line or '?'} [{f.severity}] {f.message}" for f in verdict.findings]
        update["feedback"] = "The reviewer requested changes:\n" + "\n".join(lines)
    return update


def gate(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """Every policy judges the change; the decision is appended as a `gate.decision` event.

    A branch equal to its base is no change at all: the run ends `no_change` here."""
    if not diff_against_base(ctx.worktree).strip():
        # Nothing to judge or deliver: an empty branch is not a clean change.
        return delivery.report_no_change(ctx, state)
    context, decision = judge_run(ctx, state)
    ctx.event(GATE_DECISION_EVENT, gate_decision_payload(context, decision))
    return {"decision": decision}


def deliver(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """Act on the gate's decision through the forge (see `factory.run.delivery.deliver`)."""
    return delivery.deliver(ctx, state)


def await_approval(ctx: RunContext, state: RunState) -> dict[str, Any]:
    """Wait for `factory approve` / `factory reject`; then merge or close."""
    answer = interrupt(
        {
            "waiting_for": "approval",
            "pr_number": state.pr_number,
            "pr_url": state.pr_url,
            "reasons": state.decision.reasons if state.decision else [],
        }
    )
    action = answer.get("action")
    by = str(answer.get("by") or "unknown")
    if action == "approve":
        halt = ctx.store.halts.for_repo(state.repo)
        if halt is not None:
            raise RunHalted(f"approved, but merging is halted by {halt.by}: {halt.reason}")
        return delivery.merge_approved(ctx, state, by=by, comment=answer.get("comment"))
    return delivery.close_rejected(ctx, state, by=by, reason=str(answer.get("reason") or ""))
