"""The LangGraph state machine: intake -> plan -> code -> test -> review -> gate -> deliver.

Failing tests and requested changes route back to `code` until `max_iterations` is spent.
Every node is restartable: a process killed inside one resumes by running it again from its
start, and the side effects it repeats (commits, pushes, pull requests) are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from factory.run import nodes
from factory.run.run_context import RunContext
from factory.run.state import RunState

NodeFn = Callable[[RunContext, RunState], dict[str, Any]]


def build_graph(
    ctx: RunContext, checkpointer: BaseCheckpointSaver[Any]
) -> CompiledStateGraph[Any, Any, Any]:
    """The run's state machine: intake, plan, code, test, review, gate, deliver and
    await_approval, each node wrapped by `ctx` (events, halts) and checkpointed after it ran."""
    graph: StateGraph[Any, Any, Any, Any] = StateGraph(RunState)
    steps: dict[str, NodeFn] = {
        "intake": nodes.intake,
        "plan": nodes.plan,
        "code": nodes.code,
        "test": nodes.test,
        "review": nodes.review,
        "gate": nodes.gate,
        "deliver": nodes.deliver,
        "await_approval": nodes.await_approval,
    }
    for name, fn in steps.items():
        # langgraph types node functions loosely; mypy names the mismatch call-overload or
        # arg-type depending on how the checkpointer is typed.
        graph.add_node(name, ctx.wrap(name, fn))  # type: ignore[call-overload, arg-type, unused-ignore]
    graph.add_edge(START, "intake")
    graph.add_conditional_edges("intake", _unless_ended("plan"), ["plan", END])
    graph.add_conditional_edges("plan", _unless_ended("code"), ["code", END])
    graph.add_conditional_edges("code", _unless_ended("test"), ["test", END])
    graph.add_conditional_edges("test", after_test, ["code", "review", "gate", END])
    graph.add_conditional_edges("review", after_review, ["code", "gate", END])
    graph.add_conditional_edges("gate", _unless_ended("deliver"), ["deliver", END])
    graph.add_conditional_edges("deliver", after_deliver, ["await_approval", END])
    graph.add_edge("await_approval", END)
    return graph.compile(checkpointer=checkpointer)


def _unless_ended(next_node: str) -> Callable[[RunState], str]:
    def route(state: RunState) -> str:
        return END if state.ending else next_node

    return route


def _iterations_left(state: RunState) -> bool:
    return state.iteration < state.max_iterations


def after_test(state: RunState) -> str:
    """Back to the coder while tests fail and rounds remain; out of rounds, a human decides."""
    if state.ending:
        return END
    if state.recheck_only:
        # A base update: no agent, whatever the tests say; the gate judges the result.
        return "gate"
    report = state.last_test_report
    if report is not None and not report.green:
        return "code" if _iterations_left(state) else "gate"
    return "review"


def after_review(state: RunState) -> str:
    """Back to the coder when changes were requested and rounds remain; else to the gate."""
    if state.ending:
        return END
    if state.review is not None and state.review.verdict == "request_changes":
        return "code" if _iterations_left(state) else "gate"
    return "gate"


def after_deliver(state: RunState) -> str:
    """A delivered run ends; one that waits for a human goes on to await_approval."""
    return END if state.ending else "await_approval"
