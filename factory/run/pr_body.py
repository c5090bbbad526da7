"""The pull request's description: what a reviewer needs to judge the change in one page.

The ticket, the agents' output and the gate's reasons (which quote file names) are written by
people outside and by models: every one of them goes through `factory.support.markdown`, so
the body renders as the text it quotes and pings nobody.
"""

from __future__ import annotations

from agents.models import Finding
from factory.run.round_state import rounds_log
from factory.run.state import RunState
from factory.support.markdown import block, cell, code, inline


def pull_request_title(state: RunState) -> str:
    """The ticket's first title line and its name (never the path a ticket file was read from)."""
    title = state.ticket.title.strip().splitlines()[0][:200]
    return f"{title} ({state.ticket.name})"[:256]


def pull_request_body(state: RunState, run_id: str) -> str:
    """The PR description: ticket, plan, tests, review, gate verdicts, cost, and the run id."""
    lines = [f"Closes {inline(state.ticket.name)}.", ""]
    if state.plan is not None:
        lines += ["## Plan", block(state.plan.summary), ""]
        lines += [f"{n}. {inline(step)}" for n, step in enumerate(state.plan.steps, 1)]
        if state.plan.risks:
            lines += ["", "Risks:", *[f"- {inline(risk)}" for risk in state.plan.risks]]
        lines.append("")
    if state.changes:
        lines += ["## Changes", *[f"- {inline(change.summary)}" for change in state.changes], ""]
    report = state.last_test_report
    if report is not None:
        lines += ["## Tests", block(report.summary_text()), ""]
    if state.review is not None:
        lines += [
            f"## Review: {inline(state.review.verdict)}",
            block(state.review.summary or "(no summary)"),
        ]
        lines += [_finding(f) for f in state.review.findings]
        lines.append("")
    if state.decision is not None:
        decision = state.decision
        lines += [
            f"## Gate: {decision.decision.value} at {decision.level.value}",
            *[f"- {inline(reason)}" for reason in decision.reasons],
            "",
            "| policy | verdict | reasons |",
            "| --- | --- | --- |",
        ]
        for verdict in decision.verdicts:
            reasons = "; ".join(verdict.reasons) or "-"
            lines.append(f"| {cell(verdict.policy)} | {verdict.outcome.value} | {cell(reasons)} |")
        lines += [
            "",
            f"Risk score {decision.risk.score} ({'low' if decision.risk.low else 'high'})",
        ]
        lines.append("")
    if state.rounds:
        lines += [rounds_log(state.rounds), ""]
    lines.append(pull_request_footer(state, run_id))
    return "\n".join(lines)


FOOTER_START = "---\nMade by agent-factory run "


def pull_request_footer(state: RunState, run_id: str) -> str:
    """The body's last paragraph: the run, what it cost so far, how to inspect it."""
    return (
        f"{FOOTER_START}{code(run_id)} "
        f"({state.cost_text()}, {state.tokens} tokens, {state.model_calls} model calls). "
        f"Inspect it with `factory runs show {run_id} --events`; "
        f"verify its record with `factory audit verify --run {run_id}`."
    )


def with_footer(body: str, state: RunState, run_id: str) -> str:
    """`body` with its footer brought up to date (a round adds cost and model calls)."""
    at = body.rfind(FOOTER_START)
    if at == -1:
        return body
    end = body.find("\n\n", at + len(FOOTER_START))
    rest = body[end:] if end != -1 else ""
    return body[:at] + pull_request_footer(state, run_id) + rest


def _finding(finding: Finding) -> str:
    where = code(f"{finding.file}:{finding.line or '?'}")
    return f"- {where} [{inline(finding.severity)}] {inline(finding.message)}"
