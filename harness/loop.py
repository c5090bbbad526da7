"""`run_agent`: ask the model, run the tools it calls, repeat until it submits or must stop."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from harness.budget import RunBudget
from harness.config import StuckConfig
from harness.context_window import ContextGuard
from harness.errors import ModelError
from harness.events import (
    EventCallback,
    HarnessEvent,
    TranscriptSink,
    encode_transcript,
    summarize_arguments,
)
from harness.messages import Message, ModelReply, ToolSchema, Usage
from harness.model import ChatModel, RetryNotice
from harness.pricing import PriceTable
from harness.redact import redact, redact_text, secret_env_values
from harness.replay import MessageDumps, request_record
from harness.stuck import StuckDetector, StuckPattern, StuckPatternName, call_key
from harness.tools import ConfinedRoot, Tool, toolbox_for

StopReason = Literal[
    "done", "step_limit", "token_limit", "cost_limit", "time_limit", "halted", "stuck", "error"
]

NUDGE = "Continue with the tools. When the task is complete, call submit with your final answer."
SUMMARY_PROMPT = (
    "Summarise this tool output in at most five lines. Keep file paths, line numbers, "
    "error messages and anything needed to continue the task."
)


class AgentResult(BaseModel):
    """How one agent's run ended, what it produced, and what it consumed."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    output: BaseModel | None
    """The validated `submit` arguments; None unless `stop_reason` is `done`."""
    stop_reason: StopReason
    steps: int
    """Model calls this agent made."""
    usage: Usage
    cost_usd: float | None
    """None when a call's model had no known price (its tokens are still in `usage`)."""
    messages: list[Message]
    error: str | None = None
    stuck_pattern: StuckPatternName | None = None
    """Which pattern of `harness.stuck` fired, when `stop_reason` is `stuck`."""


def run_agent(
    model: ChatModel,
    system: str,
    task: str,
    tools: Sequence[Tool],
    output_model: type[BaseModel],
    budget: RunBudget,
    on_event: EventCallback | None = None,
    *,
    role: str = "agent",
    prices: PriceTable | None = None,
    transcripts: TranscriptSink | None = None,
    context_window: int = 200_000,
    summariser: ChatModel | None = None,
    stuck: StuckConfig | None = None,
    files: ConfinedRoot | None = None,
) -> AgentResult:
    """Run one agent until it submits a valid `output_model` or must stop.

    Every model call and tool call is reported through `on_event` (and, with `transcripts`,
    stored as a gzip transcript). The run's `budget` is shared with the other agents and is
    checked before every model call. Every turn is also shown to the stuck detector
    (`stuck`, the defaults of `StuckConfig` when None); `files` is the folder whose changes
    count as progress for an agent with tools that write. Stopping is data: the result's
    `stop_reason` says why.
    """
    loop = AgentLoop(
        model,
        system,
        tools,
        output_model,
        budget,
        on_event,
        role=role,
        prices=prices or PriceTable(),
        transcripts=transcripts,
        context_window=context_window,
        summariser=summariser,
        stuck=stuck or StuckConfig(),
        files=files,
    )
    return loop.run(task)


class AgentLoop:
    """One agent's conversation: its messages, what it has spent, and the steps it took."""

    def __init__(
        self,
        model: ChatModel,
        system: str,
        tools: Sequence[Tool],
        output_model: type[BaseModel],
        budget: RunBudget,
        on_event: EventCallback | None,
        *,
        role: str,
        prices: PriceTable,
        transcripts: TranscriptSink | None,
        context_window: int,
        summariser: ChatModel | None,
        stuck: StuckConfig,
        files: ConfinedRoot | None,
    ) -> None:
        self.model = model
        self.system = system
        self.toolbox = toolbox_for(list(tools), output_model)
        self.budget = budget
        self.on_event = on_event
        self.role = role
        self.prices = prices
        self.transcripts = transcripts
        self.summariser = summariser
        self.messages: list[Message] = []
        self.steps = 0
        self.usage = Usage()
        self.cost: float | None = 0.0
        self._dumps: MessageDumps = {}
        self._secrets = secret_env_values()  # once per agent: scanning per call is slow
        writes = any(getattr(tool, "may_change_files", False) for tool in tools)
        self.files = files if writes else None
        self.stuck = StuckDetector(stuck, watches_files=self.files is not None)
        self._files_seen = self.files.fingerprint() if self.files is not None else None
        self._prompts: dict[str, str] = {}
        """System prompts with secrets masked, by prompt (there are one or two per agent)."""
        self.context = ContextGuard(
            system,
            self.toolbox.schemas,
            context_window,
            self._summarise if summariser is not None else None,
        )

    def run(self, task: str) -> AgentResult:
        """Ask, act, repeat: until `submit` validates, a budget is spent, or the model fails."""
        self.messages.append(Message.user(task))
        self._emit(
            HarnessEvent(
                kind="agent.start",
                role=self.role,
                model=self.model.name,
                message=redact_text(task[:200], self._secrets),
            )
        )
        while True:
            limit = self.budget.spent()
            if limit is not None:
                return self._finish(limit, error=self.budget.interrupted)
            self._fit_context()
            self.steps += 1
            try:
                reply = self._ask(self.model, self.messages, self.toolbox.schemas, self.system)
            except ModelError as exc:
                return self._finish("error", error=str(exc))
            self.messages.append(
                Message(
                    role="assistant",
                    text=reply.text,
                    tool_calls=reply.tool_calls,
                    reasoning=reply.reasoning,
                )
            )
            if not reply.tool_calls:
                self.messages.append(Message.user(NUDGE))
                pattern = self.stuck.saw_reply_without_calls()
                if pattern is not None:
                    return self._stuck(pattern)
                continue
            final, pattern = self._run_tool_calls(reply)
            if final is not None:
                return self._finish("done", output=final)
            if pattern is not None:
                return self._stuck(pattern)

    def _fit_context(self) -> None:
        elided = self.context.fit(self.messages)
        if elided:
            self._emit(
                HarnessEvent(
                    kind="context.elided", role=self.role, step=self.steps, message=str(elided)
                )
            )

    def _ask(
        self, chat: ChatModel, history: list[Message], schemas: list[ToolSchema], prompt: str
    ) -> ModelReply:
        """One model call, with its retries reported, its transcript kept and its cost charged."""

        def on_retry(notice: RetryNotice) -> None:
            self._emit(
                HarnessEvent(
                    kind="model.retry",
                    role=self.role,
                    step=self.steps,
                    model=chat.name,
                    latency_s=notice.delay_s,
                    exit_code=notice.status,
                    message=f"retry {notice.attempt} in {notice.delay_s:.1f}s: {notice.reason}",
                )
            )

        started = time.perf_counter()
        reply = chat.complete(history, schemas, system=prompt, on_retry=on_retry)
        latency = time.perf_counter() - started
        ref = None
        if self.transcripts is not None:
            record = {"role": self.role, "step": self.steps, "model": chat.name}
            record["latency_s"] = latency
            # Stored with secrets masked; each message is masked once, when first recorded.
            record["request"] = request_record(
                history, schemas, self._masked_prompt(prompt), self._dumps, scrub=self._mask
            )
            record["reply"] = self._mask(reply.model_dump(mode="json"))
            ref = self.transcripts.put(encode_transcript(record))
        self._charge(reply, chat.name, latency, ref)
        return reply

    def _mask(self, value: Any) -> Any:
        return redact(value, self._secrets)

    def _masked_prompt(self, prompt: str) -> str:
        masked = self._prompts.get(prompt)
        if masked is None:
            masked = self._prompts[prompt] = redact_text(prompt, self._secrets)
        return masked

    def _charge(self, reply: ModelReply, model_name: str, latency: float, ref: str | None) -> None:
        call_cost = self.prices.cost_of(reply.model or model_name, reply.usage)
        self.budget.charge(reply.usage, call_cost)
        self.usage = self.usage + reply.usage
        self.cost = None if self.cost is None or call_cost is None else self.cost + call_cost
        self._emit(
            HarnessEvent(
                kind="model.call",
                role=self.role,
                step=self.steps,
                model=reply.model or model_name,
                input_tokens=reply.usage.input_tokens,
                output_tokens=reply.usage.output_tokens,
                cache_read_tokens=reply.usage.cache_read_tokens,
                cache_write_tokens=reply.usage.cache_write_tokens,
                cost_usd=call_cost,
                latency_s=latency,
                transcript_ref=ref,
            )
        )

    def _run_tool_calls(self, reply: ModelReply) -> tuple[BaseModel | None, StuckPattern | None]:
        """Run every tool the reply calls, in order: the validated submission if one came,
        and the stuck pattern the calls completed, if any (the reply's calls all run first)."""
        final: BaseModel | None = None
        pattern: StuckPattern | None = None
        may_have_written = False
        for call in reply.tool_calls:
            started = time.perf_counter()
            result = self.toolbox.call(call)
            self._emit(
                HarnessEvent(
                    kind="tool.call",
                    role=self.role,
                    step=self.steps,
                    tool=call.name,
                    args_summary=redact_text(summarize_arguments(call.arguments), self._secrets),
                    exit_code=result.exit_code,
                    is_error=result.is_error,
                    latency_s=time.perf_counter() - started,
                )
            )
            self.messages.append(Message.tool_result(call, result.text, is_error=result.is_error))
            final = result.final or final
            key = call_key(call.name, call.arguments, call.invalid_arguments)
            seen = self.stuck.saw_call(key, is_error=result.is_error, result=result.text)
            pattern = pattern or seen
            tool = self.toolbox.tools.get(call.name)
            may_have_written = may_have_written or getattr(tool, "may_change_files", False)
        turn = self.stuck.saw_turn_end(self._files_changed(may_have_written))
        return final, pattern or turn

    def _files_changed(self, may_have_written: bool) -> bool:
        """Whether the watched files changed this turn (only a tool that writes can)."""
        if self.files is None or not may_have_written:
            return False
        seen, self._files_seen = self._files_seen, self.files.fingerprint()
        return seen != self._files_seen

    def _stuck(self, pattern: StuckPattern) -> AgentResult:
        return self._finish("stuck", error=f"stuck: {pattern.describe()}", pattern=pattern)

    def _summarise(self, output: Message) -> str:
        assert self.summariser is not None
        try:
            reply = self._ask(
                self.summariser, [Message.user(output.text[:40_000])], [], SUMMARY_PROMPT
            )
        except ModelError as exc:  # a failed summary must not end the agent's run
            return f"(no summary: {exc})"
        return reply.text.strip() or "(no summary)"

    def _finish(
        self,
        reason: StopReason,
        output: BaseModel | None = None,
        error: str | None = None,
        pattern: StuckPattern | None = None,
    ) -> AgentResult:
        self._emit(
            HarnessEvent(
                kind="agent.stop", role=self.role, step=self.steps, message=error or reason
            )
        )
        return AgentResult(
            output=output,
            stop_reason=reason,
            steps=self.steps,
            usage=self.usage,
            cost_usd=self.cost,
            messages=self.messages,
            error=error,
            stuck_pattern=pattern.name if pattern is not None else None,
        )

    def _emit(self, event: HarnessEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)
