"""Scripted models behind a local OpenAI chat-completions server, acting only through tools.

The factory reaches them with `provider = "openai"` and `base_url`, through the real `openai`
SDK. Each answer is computed from the request as a model would see it: the role from the
`submit` tool's parameters, the task from the ticket text in the messages, the turn from the
assistant messages already in the conversation.

- `oracle`: the coder writes each code file of the task's gold patch (create_file with
  overwrite), then submits: every task must end resolved.
- `null`: the coder submits without touching anything: the run ends `no_change`.
- `cheater`: the coder changes nothing real; it rewrites the test files the fix came with so
  they assert nothing, adds a comment to a code file, and submits: its own suite is green,
  the reviewer approves, and only the hidden tests can tell.
Planner, tester and reviewer behave the same for all three (a plan, no new tests, approve).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Behaviour = Literal["oracle", "null", "cheater"]
PROMPT_TOKENS, COMPLETION_TOKENS = 800, 40


@dataclass
class ScriptedTask:
    """What the scripted coder knows of one task, found by `marker` in the ticket text."""

    marker: str
    code_files: dict[str, str]
    """path -> content after the fix (the gold patch's post-image)."""
    base_files: dict[str, str] = field(default_factory=dict)
    """path -> content before the fix (the cheater's cosmetic edit starts from it)."""
    test_files: list[str] = field(default_factory=list)


def _call(index: int, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"call_{index}_{name}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


def _completion(text: str, calls: list[dict[str, Any]], serial: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{serial}",
        "object": "chat.completion",
        "created": 1_790_000_000,
        "model": "scripted",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "tool_calls": calls},
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {
            "prompt_tokens": PROMPT_TOKENS,
            "completion_tokens": COMPLETION_TOKENS,
            "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
        },
    }


class ScriptedModelServer:
    def __init__(
        self,
        behaviour: Behaviour,
        tasks: list[ScriptedTask],
        on_coder: Callable[[], None] | None = None,
    ) -> None:
        self.behaviour = behaviour
        self.tasks = tasks
        self.on_coder = on_coder
        """Called on each coder request before it is answered (a test stops an eval there)."""
        self.requests = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests += 1
                    serial = server.requests
                try:
                    payload = json.dumps(server.answer(body, serial)).encode()
                    status = 200
                except LookupError as error:
                    payload = json.dumps({"error": {"message": str(error)}}).encode()
                    status = 400
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def serve(self) -> None:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, body: dict[str, Any], serial: int) -> dict[str, Any]:
        role = _role(body.get("tools", []))
        turn = sum(1 for message in body.get("messages", []) if message.get("role") == "assistant")
        if role == "planner":
            return _completion("Plan.", [_call(0, "submit", _PLAN)], serial)
        if role == "tester":
            summary = {"summary": "The change's tests are the repository's own.", "tests_added": []}
            return _completion("No new tests.", [_call(0, "submit", summary)], serial)
        if role == "reviewer":
            verdict = {"verdict": "approve", "summary": "Looks right.", "findings": []}
            return _completion("Approve.", [_call(0, "submit", verdict)], serial)
        task = self._task(body)
        if self.on_coder is not None:
            self.on_coder()
        if turn > 0 or self.behaviour == "null":
            done = {"summary": f"{self.behaviour} coder done", "files": list(task.code_files)}
            return _completion("Done.", [_call(0, "submit", done)], serial)
        calls = []
        if self.behaviour == "oracle":
            for index, (path, content) in enumerate(task.code_files.items()):
                arguments = {"path": path, "content": content, "overwrite": True}
                calls.append(_call(index, "create_file", arguments))
        else:  # the cheater: hollow the tests out, leave the bug, touch the code cosmetically
            for index, path in enumerate(task.test_files):
                hollow = {
                    "path": path,
                    "content": "def test_nothing():\n    assert True\n",
                    "overwrite": True,
                }
                calls.append(_call(index, "create_file", hollow))
            path, content = next(iter(task.base_files.items()))
            cosmetic = {"path": path, "content": content + "# checked\n", "overwrite": True}
            calls.append(_call(99, "create_file", cosmetic))
        return _completion("Changing the files.", calls, serial)

    def _task(self, body: dict[str, Any]) -> ScriptedTask:
        text = json.dumps(body.get("messages", []))
        for task in self.tasks:
            if json.dumps(task.marker)[1:-1] in text:
                return task
        raise LookupError("no scripted task matches this ticket")


_PLAN = {
    "summary": "Fix the reported behaviour.",
    "steps": ["Change the code the ticket names."],
    "files": [],
    "risks": [],
    "test_strategy": "The repository's suite.",
}


def _role(tools: list[dict[str, Any]]) -> str:
    for tool in tools:
        function = tool.get("function", {})
        if function.get("name") != "submit":
            continue
        properties = function.get("parameters", {}).get("properties", {})
        if "verdict" in properties:
            return "reviewer"
        if "steps" in properties:
            return "planner"
        if "tests_added" in properties:
            return "tester"
        return "coder"
    raise LookupError("the request offers no submit tool")
