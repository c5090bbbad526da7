"""A run's trajectory as an auditor reads it: per agent and per round, every turn.

A turn is one model call: the text the model wrote, each tool call with its arguments and the
output the model read back, edits as diffs, and the call's tokens and cost. The gate's verdicts
sit where the run reached the gate, and the verdict of the run's audit chain heads it all.

Everything comes from the record: the run's events in order (`model.call`, `tool.call`,
`agent.start`/`agent.stop`, `node.started`, `gate.decision`...) and the transcripts their
`model.call` events reference (blobs: the full request and reply of each call). A tool's output
is what the next call's request carried back to the model; the last call of an agent has no
next request, so its output is unknown unless it failed. Text is passed through the harness's
redaction again when read (the token patterns once per transcript, this process's secret
values on every read), so a transcript stored before redaction at write time, or a secret of
this process's environment, never reaches a page or a terminal.
"""

from __future__ import annotations

import difflib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, Field

from factory.governance.liveness import observed_status
from factory.store import BlobNotFoundError, Run, Store
from factory.store.audit import verify
from harness.events import decode_transcript
from harness.redact import mask_values, redact, redact_text, secret_env_values

EDIT_TOOLS = frozenset({"edit_file", "create_file"})
AGENT_NODES = frozenset({"plan", "code", "test", "review"})
NOTED_EVENTS = frozenset(
    {
        "worktree.tampered",
        "tests.report",
        "tests.missing",
        "tests.cannot_run",
        "run.stopped",
        "run.halted",
        "run.error",
        "context.elided",
        "model.retry",
        "git.commit",
    }
)
"""Events shown between the turns where they happened, as one line each."""


class ToolStep(BaseModel):
    """One tool call of a turn and what came of it."""

    id: str = ""
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    output: str | None = None
    """What the model read back; None when no later request carried it (an agent's last call)."""
    is_error: bool | None = None
    exit_code: int | None = None
    diff: str | None = None
    """For an edit or a new file: the change as a unified diff."""

    def argument_texts(self) -> list[tuple[str, str]]:
        """Each argument as text (JSON for what is not a string), the edit's texts left out
        when `diff` shows them."""
        return [
            (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
            for key, value in self.arguments.items()
            if not (self.diff and key in ("old_string", "new_string", "content"))
        ]


class Turn(BaseModel):
    """One model call: what the model said and did, and what it cost."""

    step: int
    at: str
    model: str = ""
    text: str = ""
    tool_calls: list[ToolStep] = Field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float | None = None
    """None when the model has no known price."""
    latency_s: float | None = None
    transcript: str | None = None
    """The blob reference of the call's full transcript; None when it was not kept."""
    transcript_missing: bool = False


class Note(BaseModel):
    """An event worth a line between turns (a commit, a test report, a tampering attempt)."""

    kind: str
    at: str
    actor: str
    text: str


class AgentRound(BaseModel):
    kind: Literal["agent"] = "agent"
    role: str
    node: str = ""
    round: int = 0
    """The node's iteration: 0 for the plan, 1.. for the coder's rounds."""
    stop: str = ""
    """How the agent ended: `done`, a budget limit, or the error."""
    turns: list[Turn] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)


class GateVerdictView(BaseModel):
    policy: str
    outcome: str
    reasons: list[str] = Field(default_factory=list)


class GateEntry(BaseModel):
    kind: Literal["gate"] = "gate"
    at: str
    decision: str
    level: str
    reasons: list[str] = Field(default_factory=list)
    verdicts: list[GateVerdictView] = Field(default_factory=list)


class AuditVerdict(BaseModel):
    ok: bool
    detail: str
    """`N events ..., chain intact`, or the first break."""


class Trajectory(BaseModel):
    run_id: str
    repo: str
    ticket: str
    status: str
    audit: AuditVerdict
    entries: list[AgentRound | GateEntry] = Field(default_factory=list)
    cost_usd: float | None = 0.0
    tokens: int = 0


def load_trajectory(store: Store, run_id: str, *, role: str | None = None) -> Trajectory:
    """The trajectory of `run_id` (RunNotFoundError when there is none); `role` keeps only that
    agent's rounds (and no gate)."""
    run = store.runs.get(run_id)
    report = verify(store, run_id=run_id, digest_chain=False)
    rows = ((e.kind, e.actor, e.ts, e.payload) for e in store.events.read(run_id))
    return trajectory_of(
        store, run, rows, AuditVerdict(ok=report.ok, detail=report.summary()), role=role
    )


def trajectory_of(
    store: Store,
    run: Run,
    events: Iterable[tuple[str, str, Any, str]],
    audit: AuditVerdict,
    *,
    role: str | None = None,
) -> Trajectory:
    """The trajectory from a run's events read already, as (kind, actor, time, payload text)
    in order; the store is asked only for the transcripts."""
    rows = [(kind, actor, str(at), json.loads(payload)) for kind, actor, at, payload in events]
    refs = [data.get("transcript_ref") for kind, _, _, data in rows if kind == "model.call"]
    present = store.blobs.present(ref for ref in refs if isinstance(ref, str))
    builder = _Builder(store, secret_env_values(), present)
    for kind, actor, at, data in rows:
        builder.add(kind, actor, at, data)
    entries = [
        entry
        for entry in builder.entries
        if role is None or (isinstance(entry, AgentRound) and entry.role == role)
    ]
    turns = [turn for entry in entries if isinstance(entry, AgentRound) for turn in entry.turns]
    costs = [turn.cost_usd for turn in turns]
    return Trajectory(
        run_id=run.id,
        repo=run.repo,
        ticket=run.ticket_ref,
        status=observed_status(run).value,
        audit=audit,
        entries=entries,
        cost_usd=None if None in costs else round(sum(c for c in costs if c is not None), 6),
        tokens=sum(
            t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_tokens
            for t in turns
        ),
    )


class _Builder:
    """Folds a run's events, in order, into rounds of turns."""

    def __init__(self, store: Store, secrets: list[str], present: set[str]) -> None:
        self.store = store
        self.secrets = secrets
        self.present = present
        """The transcripts the store holds: a cached read of one removed since is not used."""
        self.entries: list[AgentRound | GateEntry] = []
        self.node = ""
        self.iteration = 0
        self.current: AgentRound | None = None
        self.pending: dict[str, ToolStep] = {}
        """Tool calls whose output the next request of the agent will carry, by call id."""

    def add(self, kind: str, actor: str, at: str, data: dict[str, Any]) -> None:
        if kind == "node.started":
            self.node, self.iteration = str(data.get("node", "")), int(data.get("iteration") or 0)
        elif kind == "agent.start":
            self.current = AgentRound(role=actor, node=self.node, round=self._round())
            self.pending = {}
            self.entries.append(self.current)
        elif kind == "model.call" and self.current is not None:
            self.current.turns.append(self._turn(at, data))
        elif kind == "tool.call" and self.current is not None:
            self._tool_result(data)
        elif kind == "agent.stop" and self.current is not None:
            self.current.stop = redact_text(str(data.get("message") or ""), self.secrets)
            self.current = None
        elif kind == "gate.decision":
            self.entries.append(_gate(at, data))
        elif kind in NOTED_EVENTS:
            target = self.current or self._last_round()
            if target is not None:
                target.notes.append(
                    Note(kind=kind, at=at, actor=actor, text=self._note(kind, data))
                )

    def _round(self) -> int:
        # The coder's round is the iteration it is working towards (code-1 is round 1).
        return self.iteration + 1 if self.node == "code" else self.iteration

    def _last_round(self) -> AgentRound | None:
        rounds = [entry for entry in self.entries if isinstance(entry, AgentRound)]
        return rounds[-1] if rounds else None

    def _turn(self, at: str, data: dict[str, Any]) -> Turn:
        ref = data.get("transcript_ref")
        turn = Turn(
            step=int(data.get("step") or 0),
            at=at,
            model=str(data.get("model") or ""),
            input_tokens=int(data.get("input_tokens") or 0),
            output_tokens=int(data.get("output_tokens") or 0),
            cache_read_tokens=int(data.get("cache_read_tokens") or 0),
            cache_write_tokens=int(data.get("cache_write_tokens") or 0),
            cost_usd=data.get("cost_usd"),
            latency_s=data.get("latency_s"),
            transcript=ref,
        )
        read = _read_transcript(self.store, ref) if ref in self.present else None
        if ref and read is None:
            turn.transcript_missing = True
        if read is None:
            return turn
        reply, results = read
        self._outputs_from(results)
        turn.text = mask_values(str(reply.get("text") or ""), self.secrets)
        for call in reply.get("tool_calls") or []:
            step = ToolStep(
                id=str(call.get("id") or ""),
                name=str(call.get("name") or ""),
                arguments=_masked(dict(call.get("arguments") or {}), self.secrets),
            )
            step.diff = _edit_diff(step.name, step.arguments)
            turn.tool_calls.append(step)
            self.pending[step.id] = step
        return turn

    def _outputs_from(self, results: list[dict[str, Any]]) -> None:
        """Give the waiting tool calls the results a request carried back."""
        for message in results:
            step = self.pending.pop(str(message.get("tool_call_id") or ""), None)
            if step is not None:
                step.output = mask_values(str(message.get("text") or ""), self.secrets)
                step.is_error = bool(message.get("is_error"))

    def _tool_result(self, data: dict[str, Any]) -> None:
        """A `tool.call` event: the exit code and error flag of the oldest matching call."""
        assert self.current is not None
        name = data.get("tool")
        turns = self.current.turns
        if not turns:
            return
        for step in turns[-1].tool_calls:
            if step.name == name and step.exit_code is None and step.is_error is None:
                step.exit_code = data.get("exit_code")
                step.is_error = bool(data.get("is_error"))
                return

    def _note(self, kind: str, data: dict[str, Any]) -> str:
        return redact_text(_note_text(kind, data), self.secrets)


def _note_text(kind: str, data: dict[str, Any]) -> str:
    """One line for an event between turns."""
    if kind == "git.commit":
        return (
            f"commit {str(data.get('sha') or '')[:12]} ({data.get('node')}-{data.get('iteration')})"
        )
    if kind == "tests.report":
        counts = (
            f"{data.get('passed')} passed, {data.get('failed')} failed, {data.get('errors')} errors"
            if data.get("structured")
            else "no per-test report"
        )
        line = f"`{data.get('command')}` exit {data.get('exit_code')}: {counts}"
        for label in ("newly_failing", "fixed", "still_failing"):
            if data.get(label):
                line += f"; {label.replace('_', ' ')}: {', '.join(map(str, data[label][:10]))}"
        return line
    if kind == "worktree.tampered":
        return f"{data.get('path')} had been replaced by {data.get('found')}; put back"
    if kind == "model.retry":
        return str(data.get("message") or "")
    shown = {key: value for key, value in data.items() if key != "cases"}
    return json.dumps(shown, ensure_ascii=False, sort_keys=True)


_READ: OrderedDict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = OrderedDict()
_READ_LOCK = threading.Lock()
READ_CACHE_SIZE = 4096
"""Transcripts read, as (reply, the tool results the request ended with), by reference.

A request carries the agent's whole history, so reading every turn's transcript costs the
square of a run's length (1.6 s for 150 turns of 20 kB outputs); a run page that reloads
every 2 s while the run is live reads each transcript once. References are the digests of
the contents, so an entry can never go stale; the tails kept are a turn's tool outputs."""


def forget_read_transcripts() -> None:
    """Empty the cache of transcripts read (a cold read is then measured, as `bench.trajectory`
    does)."""
    with _READ_LOCK:
        _READ.clear()


def _read_transcript(store: Store, ref: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    with _READ_LOCK:
        if ref in _READ:
            _READ.move_to_end(ref)
            return _READ[ref]
    try:
        transcript = decode_transcript(store.blobs.get(ref))
    except (BlobNotFoundError, OSError, ValueError):
        return None
    messages = (transcript.get("request") or {}).get("messages") or []
    # The results of the previous turn's calls: the tool messages after its assistant message.
    tail: list[dict[str, Any]] = []
    for message in reversed(messages):
        if message.get("role") == "assistant":
            break
        if message.get("role") == "tool":
            tail.append(message)
    # The token patterns are masked once here; secret values per read (`_masked`).
    read = (redact(transcript.get("reply") or {}, []), redact(tail[::-1], []))
    with _READ_LOCK:
        _READ[ref] = read
        while len(_READ) > READ_CACHE_SIZE:
            _READ.popitem(last=False)
    return read


def _masked(value: Any, secrets: list[str]) -> Any:
    """A copy of a JSON-like value with the secret values masked in every string."""
    if isinstance(value, str):
        return mask_values(value, secrets)
    if isinstance(value, dict):
        return {key: _masked(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, secrets) for item in value]
    return value


def _gate(at: str, data: dict[str, Any]) -> GateEntry:
    decision = data.get("decision") or {}
    return GateEntry(
        at=at,
        decision=str(decision.get("decision") or ""),
        level=str(decision.get("level") or ""),
        reasons=[str(reason) for reason in decision.get("reasons") or []],
        verdicts=[
            GateVerdictView(
                policy=str(verdict.get("policy") or ""),
                outcome=str(verdict.get("outcome") or ""),
                reasons=[str(reason) for reason in verdict.get("reasons") or []],
            )
            for verdict in decision.get("verdicts") or []
        ],
    )


def _edit_diff(tool: str, arguments: dict[str, Any]) -> str | None:
    """The edit a file tool was asked to make, as a unified diff of the text it replaces."""
    if tool not in EDIT_TOOLS:
        return None
    path = str(arguments.get("path") or "?")
    if tool == "create_file":
        before, after, old_name = "", str(arguments.get("content") or ""), "/dev/null"
    else:
        before = str(arguments.get("old_string") or "")
        after = str(arguments.get("new_string") or "")
        old_name = f"a/{path}"
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=old_name,
        tofile=f"b/{path}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
