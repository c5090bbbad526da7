"""The tool seam: a `Tool` has a name, a pydantic argument model, and `run`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import ToolError
from harness.messages import ToolCall, ToolSchema


class ToolOutput(BaseModel):
    """What a tool call produced, as the model will read it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    text: str
    is_error: bool = False
    exit_code: int | None = None
    final: BaseModel | None = None
    """Set only by a finish tool: the agent's validated structured output."""


class Tool(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]

    @property
    def args_model(self) -> type[BaseModel]: ...

    def run(self, args: Any) -> ToolOutput:
        """Do the work; raise `ToolError` for a mistake the model can correct."""
        ...


class ToolArgs(BaseModel):
    """Base of tool argument models: unknown arguments are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def schema_of(tool: Tool) -> ToolSchema:
    parameters = tool.args_model.model_json_schema()
    parameters.pop("title", None)
    return ToolSchema(name=tool.name, description=tool.description, parameters=parameters)


class Toolbox:
    """Dispatches tool calls by name; every mistake becomes an error result, never an exception."""

    def __init__(self, tools: Sequence[Tool]) -> None:
        self.tools = {tool.name: tool for tool in tools}
        self.schemas = [schema_of(tool) for tool in tools]

    def call(self, call: ToolCall) -> ToolOutput:
        tool = self.tools.get(call.name)
        if tool is None:
            known = ", ".join(sorted(self.tools))
            return ToolOutput(text=f"unknown tool {call.name!r}; available: {known}", is_error=True)
        if call.invalid_arguments is not None:
            return ToolOutput(
                text=f"arguments for {call.name} must be a JSON object; got: "
                f"{call.invalid_arguments[:200]}",
                is_error=True,
            )
        try:
            args = tool.args_model.model_validate(call.arguments)
        except ValidationError as exc:
            return ToolOutput(
                text=f"invalid arguments for {call.name}: {describe_validation(exc)}",
                is_error=True,
            )
        try:
            return tool.run(args)
        except ToolError as exc:
            return ToolOutput(text=str(exc), is_error=True)
        except (OSError, UnicodeError) as exc:
            # Model-supplied names and text can be unusable to the OS (too long, lone
            # surrogates); the model can choose others, so this is its error to fix.
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return ToolOutput(text=f"{call.name} failed: {detail}", is_error=True)


def describe_validation(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(arguments)"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)
