"""The pull request's description: what a reviewer needs to judge the change in one page."""

from __future__ import annotations

from factory.run.state import RunState


def pull_request_title(state: RunState) -> str:
    """The ticket's first title line and its name (never the path a ticket file was read from)."""
    title = state.ticket.title.strip().splitlines()[0][:200]
    return f"{title} ({state.ticket.name})"[:256]


def pull_request_body(state: RunState, run_id: str) -> str:
    """The PR description: ticket, plan, tests, review, gate verdicts, cost, and the run id."""
    lines = [f"Closes {state.ticket.name}.", ""]
    if state.plan is not None:
        lines += ["## Plan", state.plan.summary, ""]
        lines += [f"{n}. {step}" for n, step in enumerate(state.plan.steps, 1)]
        if state.plan.risks:
            lines += ["", "Risks:", *[f"- {risk}" for risk in state.plan.risks]]
        lines.append("")
    if state.changes:
        lines += ["## Changes", *[f"- {change.summary}" for change in state.changes], ""]
    report = state.last_test_report
    if report is not None:
        lines += ["## Tests", report.summary_text(), ""]
    if state.review is not None:
        lines += [f"## Review: {state.review.verdict}", state.review.summary or "(no summary)"]
        lines += [
            f"- `{f.file}:{f.line or '?'}` [{f.severity}] {f.message}"
            for f in state.review.findings
        ]
        lines.append("")
    if state.decision is not None:
        decision = state.decision
        lines += [
            f"## Gate: {decision.decision.value} at {decision.level.value}",
            *[f"- {reason}" for reason in decision.reasons],
            "",
            "| policy | verdict | reasons |",
            "| --- | --- | --- |",
        ]
        for verdict in decision.verdicts:
            reasons = "; ".join(verdict.reasons) or "-"
            lines.append(f"| {verdict.policy} | {verdict.outcome.value} | {reasons} |")
        lines += [
            "",
            f"Risk score {decision.risk.score} ({'low' if decision.risk.low else 'high'})",
        ]
        lines.append("")
    lines += [
        "---",
        f"Made by agent-factory run `{run_id}` "
        f"({state.cost_text()}, {state.tokens} tokens, {state.model_calls} model calls). "
        f"Inspect it with `factory runs show {run_id} --events`; "
        f"verify its record with `factory audit verify --run {run_id}`.",
    ]
    return "\n".join(lines)
