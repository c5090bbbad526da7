"""`factory runs trajectory RUN`: every turn of every agent of a run, as an auditor reads it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.text import Text

from factory.cli.context import cli_store, fail
from factory.cli.options import JsonFlag
from factory.cli.output import console as make_console
from factory.cli.output import print_json
from factory.cli.runs import runs_app

if TYPE_CHECKING:
    from factory.run.trajectory import AgentRound, GateEntry, ToolStep, Trajectory, Turn

console = make_console()
FOLD_LINES = 12
"""Output longer than this is folded to its first and last lines (`--json` has all of it)."""
ROLES = ("planner", "coder", "tester", "reviewer")


@runs_app.command("trajectory")
def show_trajectory(
    run_id: str = typer.Argument(..., metavar="RUN", help="The run id, as `runs list` prints it."),
    role: str | None = typer.Option(
        None, "--role", help="Only this agent's turns: planner, coder, tester or reviewer."
    ),
    as_json: JsonFlag = False,
) -> None:
    """Show what each agent did, turn by turn: its text, every tool call with its arguments
    and output, edits as diffs, tokens and cost; the gate's verdicts where the run reached the
    gate; and whether the run's audit chain verifies.

    Read from the run's audit events and the transcripts they reference; secrets are masked. Long output is folded here; `--json` carries all of it.
    """  # noqa: E501 - one line per paragraph: --help wraps it to the terminal
    from factory.run.trajectory import load_trajectory
    from factory.store import RunNotFoundError

    if role is not None and role not in ROLES:
        raise fail(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    with cli_store() as store:
        try:
            trajectory = load_trajectory(store, run_id, role=role)
        except RunNotFoundError as exc:
            raise fail(str(exc)) from exc
    if as_json:
        print_json(trajectory.model_dump(mode="json"))
        return
    render(trajectory, console)


def render(trajectory: Trajectory, out: Console) -> None:
    from factory.run.trajectory import GateEntry  # the CLI loads the core only when run

    audit = trajectory.audit
    out.print(
        Text.assemble(
            (f"run {trajectory.run_id}", "bold"),
            f"  {trajectory.repo} · {trajectory.ticket} · {trajectory.status}",
        ),
        soft_wrap=True,
    )
    out.print(
        Text.assemble(
            "audit chain: ",
            ("verifies" if audit.ok else "BROKEN", "green" if audit.ok else "bold red"),
            f" ({audit.detail})",
        ),
        soft_wrap=True,
    )
    cost = "unknown" if trajectory.cost_usd is None else f"${trajectory.cost_usd:.4f}"
    out.print(f"cost {cost}, {trajectory.tokens:,} tokens", soft_wrap=True)
    for entry in trajectory.entries:
        if isinstance(entry, GateEntry):
            _render_gate(entry, out)
        else:
            _render_round(entry, out)


def _render_round(entry: AgentRound, out: Console) -> None:
    out.print()
    out.rule(f"{entry.role} · {entry.node} round {entry.round} · ended: {entry.stop or '?'}")
    for turn in entry.turns:
        _render_turn(turn, out)
    for note in entry.notes:
        out.print(Text.assemble(("  note ", "dim"), f"{note.kind}: {note.text}"), soft_wrap=True)


def _render_turn(turn: Turn, out: Console) -> None:
    cost = "price unknown" if turn.cost_usd is None else f"${turn.cost_usd:.4f}"
    tokens = turn.input_tokens + turn.output_tokens + turn.cache_read_tokens
    out.print(
        Text.assemble(
            (f"turn {turn.step}", "bold"), f"  {turn.model} · {tokens:,} tokens · {cost}"
        ),
        soft_wrap=True,
    )
    if turn.transcript_missing:
        out.print("  (its transcript is missing from the store)")
    if turn.text.strip():
        out.print(_indented(turn.text, "  │ "), soft_wrap=True)
    for call in turn.tool_calls:
        _render_call(call, out)


def _render_call(call: ToolStep, out: Console) -> None:
    status = ""
    if call.exit_code is not None:
        status = f" → exit {call.exit_code}"
    elif call.is_error:
        status = " → refused"
    arguments = ", ".join(f"{key}={_one_line(text)}" for key, text in call.argument_texts())
    out.print(Text.assemble(("  ▸ ", "cyan"), (call.name, "bold"), f"({arguments}){status}"))
    if call.diff:
        out.print(_indented(_folded(call.diff), "    "), soft_wrap=True)
    if call.output is not None:
        out.print(_indented(_folded(call.output), "    ┊ "), soft_wrap=True)


def _render_gate(entry: GateEntry, out: Console) -> None:
    out.print()
    out.rule(f"gate · {entry.decision} at {entry.level}")
    for reason in entry.reasons:
        out.print(f"  - {reason}", soft_wrap=True)
    for verdict in entry.verdicts:
        out.print(
            f"  {verdict.policy:<22} {verdict.outcome:<12} {'; '.join(verdict.reasons)}",
            soft_wrap=True,
        )


def _folded(text: str) -> str:
    lines = text.rstrip("\n").splitlines()
    if len(lines) <= FOLD_LINES + 2:
        return "\n".join(lines)
    half = FOLD_LINES // 2
    hidden = len(lines) - 2 * half
    return "\n".join(
        [*lines[:half], f"… {hidden} lines folded (--json has them) …", *lines[-half:]]
    )


def _indented(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def _one_line(value: object, limit: int = 80) -> str:
    shown = str(value).replace("\n", "\\n")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
