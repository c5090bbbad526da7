"""`run_agent`: ask the model, run the tools it calls, repeat until it submits or must stop."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from harness.budget import RunBudget
from harness.context import ContextGuard
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
from harness.redact import redact_text, secret_env_values
from harness.replay import MessageDumps, request_record
from harness.tools import Tool, toolbox_for

StopReason = Literal["done", "step_limit", "token_limit", "cost_limit", "time_limit", "error"]

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
) -> AgentResult:
    prices = prices or PriceTable()
    toolbox = toolbox_for(list(tools), output_model)
    messages = [Message.user(task)]
    steps = 0
    dumps: MessageDumps = {}
    secrets = secret_env_values()  # once per agent: scanning the environment per call is slow
    usage = Usage()
    cost: float | None = 0.0

    def emit(event: HarnessEvent) -> None:
        if on_event is not None:
            on_event(event)

    def charge(reply: ModelReply, model_name: str, latency: float, ref: str | None) -> None:
        nonlocal usage, cost
        call_cost = prices.cost_of(reply.model or model_name, reply.usage)
        budget.charge(reply.usage, call_cost)
        usage = usage + reply.usage
        cost = None if cost is None or call_cost is None else cost + call_cost
        emit(
            HarnessEvent(
                kind="model.call",
                role=role,
                step=steps,
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

    def ask(
        chat: ChatModel, history: list[Message], schemas: list[ToolSchema], prompt: str
    ) -> ModelReply:
        def on_retry(notice: RetryNotice) -> None:
            emit(
                HarnessEvent(
                    kind="model.retry",
                    role=role,
                    step=steps,
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
        if transcripts is not None:
            record = {"role": role, "step": steps, "model": chat.name, "latency_s": latency}
            record["request"] = request_record(history, schemas, prompt, dumps)
            record["reply"] = reply.model_dump(mode="json")
            ref = transcripts.put_blob(encode_transcript(record))
        charge(reply, chat.name, latency, ref)
        return reply

    def summarise(output: Message) -> str:
        assert summariser is not None
        try:
            reply = ask(summariser, [Message.user(output.text[:40_000])], [], SUMMARY_PROMPT)
        except ModelError as exc:  # a failed summary must not end the agent's run
            return f"(no summary: {exc})"
        return reply.text.strip() or "(no summary)"

    def stop(
        reason: StopReason, output: BaseModel | None = None, error: str | None = None
    ) -> AgentResult:
        emit(HarnessEvent(kind="agent.stop", role=role, step=steps, message=error or reason))
        return AgentResult(
            output=output,
            stop_reason=reason,
            steps=steps,
            usage=usage,
            cost_usd=cost,
            messages=messages,
            error=error,
        )

    context = ContextGuard(
        system, toolbox.schemas, context_window, summarise if summariser is not None else None
    )
    emit(
        HarnessEvent(
            kind="agent.start",
            role=role,
            model=model.name,
            message=redact_text(task[:200], secrets),
        )
    )
    while True:
        limit = budget.spent()
        if limit is not None:
            return stop(limit)
        elided = context.fit(messages)
        if elided:
            emit(HarnessEvent(kind="context.elided", role=role, step=steps, message=str(elided)))
        steps += 1
        try:
            reply = ask(model, messages, toolbox.schemas, system)
        except ModelError as exc:
            return stop("error", error=str(exc))
        messages.append(
            Message(
                role="assistant",
                text=reply.text,
                tool_calls=reply.tool_calls,
                reasoning=reply.reasoning,
            )
        )
        if not reply.tool_calls:
            messages.append(Message.user(NUDGE))
            continue
        final: BaseModel | None = None
        for call in reply.tool_calls:
            started = time.perf_counter()
            result = toolbox.call(call)
            emit(
                HarnessEvent(
                    kind="tool.call",
                    role=role,
                    step=steps,
                    tool=call.name,
                    args_summary=redact_text(summarize_arguments(call.arguments), secrets),
                    exit_code=result.exit_code,
                    is_error=result.is_error,
                    latency_s=time.perf_counter() - started,
                )
            )
            messages.append(Message.tool_result(call, result.text, is_error=result.is_error))
            final = result.final or final
        if final is not None:
            return stop("done", output=final)
