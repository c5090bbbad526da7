"""What an agent needs from the run around it, and the one call every agent makes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from agents.briefing import repository_context, system_prompt
from harness.budget import RunBudget
from harness.config import AgentRole, StuckConfig
from harness.events import EventCallback, TranscriptSink
from harness.loop import AgentResult, run_agent
from harness.model import ChatModel
from harness.pricing import PriceTable
from harness.tools import ConfinedRoot, Tool
from sandboxes.base import Sandbox


@dataclass
class AgentDeps:
    """The run's shared equipment. The graph builds one per run and hands it to every agent."""

    worktree: Path
    sandbox: Sandbox
    model_for: Callable[[AgentRole], ChatModel]
    budget: RunBudget
    on_event: EventCallback
    prices: PriceTable
    transcripts: TranscriptSink | None = None
    context_window: int = 200_000
    test_command: str | None = None
    command_timeout_s: float = 600.0
    stuck: StuckConfig = field(default_factory=StuckConfig)
    """When an agent counts as stuck (`[stuck]`)."""

    @property
    def tool_root(self) -> ConfinedRoot:
        return ConfinedRoot(self.worktree)


def run_role(
    deps: AgentDeps,
    role: AgentRole,
    task: str,
    tools: Sequence[Tool],
    output_model: type[BaseModel],
) -> AgentResult:
    """Run one agent with its prompt, the repository context and the task."""
    return run_agent(
        deps.model_for(role),
        system_prompt(role),
        f"{repository_context(deps.worktree)}\n\n{task}",
        tools,
        output_model,
        deps.budget,
        deps.on_event,
        role=role,
        prices=deps.prices,
        transcripts=deps.transcripts,
        context_window=deps.context_window,
        stuck=deps.stuck,
        files=deps.tool_root,
    )
